"""The composition root: every service is built here, once, from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from app import __version__
from app.ads.budget_day import ShopDay
from app.ads.campaigns import CampaignService
from app.ads.creatives import CreativeService
from app.ads.service import AdService
from app.assistant.cart_offer import CartAssistant
from app.assistant.knowledge import ShopKnowledge
from app.assistant.service import Assistant
from app.assistant.tools import OrderTools
from app.carts import CartService
from app.config import Settings
from app.copywriter.jobs import CopyJobRunner
from app.copywriter.service import Copywriter
from app.insights.reviews import ReviewInsights
from app.insights.service import InsightsService
from app.llm.gate import GenerationGate
from app.llm.service import LLMService
from app.observability import Metrics
from app.personalization import PersonalizationService
from app.personalization.promotion import PromotionGate
from app.security import KeyRing, keyring_from_settings
from app.store.ads import AdStore
from app.store.carts import CartStore
from app.store.commerce import CommerceStore
from app.store.conversations import ConversationStore
from app.store.copy_jobs import CopyJobStore
from app.store.database import Database
from app.store.drafts import DraftStore
from app.store.events import EventStore
from app.store.idempotency import IdempotencyStore
from app.store.reviews import ReviewStore
from retrieval.browse import CatalogBrowser
from retrieval.catalog_service import CatalogService
from retrieval.embed import (
    CachedEncoder,
    Encoder,
    MiniLMEncoder,
    MultilingualEncoder,
    OnnxMiniLMEncoder,
    product_text,
)
from retrieval.events import EventWeights
from retrieval.feed_export import Storefront
from retrieval.index.base import ProductIndex
from retrieval.indexer import CatalogIndexer
from retrieval.language import SAMPLE as LANGUAGE_SAMPLE
from retrieval.language import CatalogLanguage
from retrieval.number_words import numbers_in
from retrieval.policies import PolicyIndex, read_policies
from retrieval.recs import AlsParams
from retrieval.search import CatalogVocabulary, ProductSearch
from retrieval.sparse import Bm25Encoder
from retrieval.translate import DictionaryTranslator
from retrieval.vector_cache import VectorCache

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    metrics: Metrics
    keyring: KeyRing
    database: Database
    llm: LLMService
    catalog: CatalogService
    personalization: PersonalizationService
    commerce: CommerceStore
    conversations: ConversationStore
    policies: PolicyIndex
    assistant: Assistant
    generation: GenerationGate
    idempotency: IdempotencyStore
    copywriter: Copywriter
    copy_jobs: CopyJobRunner
    carts: CartService
    browser: CatalogBrowser
    ads: AdService
    campaigns: CampaignService
    creatives: CreativeService
    insights: InsightsService
    reviews: ReviewInsights
    version: str = __version__
    started: bool = field(default=False)

    async def readiness(self) -> dict[str, str]:
        """Each component's state: ``ok`` or the reason it is not usable."""
        checks = {
            "database": self.database.check(),
            "index": self.catalog.check(),
            "recommender": self.personalization.check(),
            "llm": await self.llm.check(),
        }
        result = {}
        for name, problem in checks.items():
            self.metrics.component_ready.labels(name).set(0 if problem else 1)
            result[name] = problem or "ok"
        return result

    def start(self, *, wait_for_llm: bool = False) -> None:
        self.database.create_all()
        released = self.copy_jobs.store.release_dead_claims()
        if released:
            log.info("copy jobs: %d interrupted items will be written again", released)
        self.catalog.warm()
        self.policies.open()
        self.assistant.warm()
        if self.personalization.model is None and self.personalization.events.count():
            self.personalization.train()
        self.personalization.start_schedule(self.settings.recs.retrain_interval_s)
        self.insights.start_schedule()
        system_prompt = self.assistant.system_prompt
        if wait_for_llm:
            self.llm.start(system_prompt)
        else:
            self.llm.start_in_background(system_prompt)
        self.started = True

    def close(self) -> None:
        self.personalization.stop_schedule()
        self.insights.stop_schedule()
        try:
            self.ads.close()  # the click model's last checkpoint
        except OSError:
            log.warning("could not save the click model checkpoint")
        self.llm.close()
        self.policies.close()
        self.catalog.index.close()
        self.database.close()


def open_database(settings: Settings) -> Database:
    """The service's database with its tables created (for commands that work on the data dir)."""
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.create_all()
    return database


def build_llm(settings: Settings, metrics: Metrics | None = None) -> LLMService:
    """The LLM client of the configured backend (not started)."""
    return LLMService(settings.llm, metrics or Metrics())


def build_index(settings: Settings) -> ProductIndex:
    """Qdrant's engine in-process under data_dir, or a Qdrant server when ``qdrant.url`` is set."""
    q = settings.qdrant
    if q.url:
        from retrieval.index.server import ServerIndex

        return ServerIndex.connect(
            q.url,
            api_key=q.api_key.get_secret_value() if q.api_key else None,
            prefer_grpc=q.prefer_grpc,
            alias=q.collection,
            shards=q.shards,
            replication_factor=q.replication_factor,
            hnsw_m=q.hnsw_m,
            hnsw_ef_construct=q.hnsw_ef_construct,
            hnsw_ef=q.hnsw_ef,
            int8=q.quantization == "int8",
            full_scan_threshold_kb=q.full_scan_threshold_kb,
        )
    from retrieval.index.edge import EdgeIndex

    return EdgeIndex(
        Path(settings.data_dir) / "index",
        hnsw_m=q.hnsw_m,
        hnsw_ef_construct=q.hnsw_ef_construct,
        hnsw_ef=q.hnsw_ef,
        int8=q.quantization == "int8",
        full_scan_threshold_kb=q.full_scan_threshold_kb,
        keep_versions=q.keep_versions,
    )


def build_catalog(settings: Settings, index: ProductIndex | None = None) -> CatalogService:
    e = settings.embed

    def minilm(threads: int) -> Encoder:
        if e.backend == "onnx-int8":
            return OnnxMiniLMEncoder(batch_size=e.onnx_batch_size, threads=threads)
        return MiniLMEncoder(batch_size=e.batch_size, threads=threads)

    dense = minilm(e.threads)
    multilingual = MultilingualEncoder(threads=e.threads)
    sparse = Bm25Encoder()
    index = index or build_index(settings)
    language = CatalogLanguage(
        settings.shop_language, lambda: index.version, lambda: index.get(index.ids()[:LANGUAGE_SAMPLE]).values()
    )
    search = ProductSearch(
        index,
        CachedEncoder(dense, e.query_cache_size),
        CachedEncoder(multilingual, e.query_cache_size),
        sparse,
        mode=settings.search.mode,
        prefetch_limit=settings.search.prefetch_limit,
        rrf_k=settings.search.rrf_k,
        hnsw_ef=settings.qdrant.hnsw_ef,
        weights=settings.search.fusion_weights,
        translator=DictionaryTranslator(CatalogVocabulary(index, product_text))
        if settings.search.translate_queries
        else None,
        language=language,
        understood_pool=settings.search.understood_pool,
    )
    # torch's thread count is per process: single-threaded pipelines side by side only with the ONNX backend
    workers = e.ingest_workers if e.backend == "onnx-int8" else 1
    indexer = CatalogIndexer(
        index,
        dense,
        multilingual,
        sparse,
        batch_size=e.batch_size,
        workers=workers,
        make_pipeline=lambda: (minilm(1), MultilingualEncoder(threads=1)),
        vectors=VectorCache(e.vector_cache_path or Path(settings.data_dir) / "embed" / "vectors.sqlite")
        if e.vector_cache
        else None,
        language=language,
    )
    return CatalogService(index, indexer, search, backend="qdrant-server" if settings.qdrant.url else "qdrant-edge")


def build_services(settings: Settings) -> Services:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    metrics = Metrics()
    database = Database(settings.resolved_database_url, checkpoint_s=settings.sqlite_checkpoint_s)
    catalog = build_catalog(settings)
    llm = build_llm(settings, metrics)
    personalization = build_personalization(settings, database, catalog)
    commerce = CommerceStore(database)
    conversations = ConversationStore(database)
    policies = build_policies(settings, catalog)
    knowledge = ShopKnowledge(catalog, commerce, settings.assistant.routing)
    carts = build_carts(settings, database, catalog, personalization)
    insights = InsightsService(settings.insights, commerce, personalization.events, catalog)
    personalization.outlook = insights.outlook
    personalization.overstock_boost = settings.insights.overstock_boost
    ad_store = AdStore(database, ShopDay(ZoneInfo(settings.ads.timezone)))
    ads = AdService(ad_store, catalog, personalization, settings.ads, metrics,
                    Path(settings.data_dir) / "ads" / "click_model.json")  # fmt: skip
    assistant = Assistant(
        settings.assistant,
        settings.shop_name,
        llm,
        catalog,
        personalization,
        policies,
        OrderTools(commerce, settings.assistant.return_window_days),
        conversations,
        metrics,
        knowledge,
        carts=CartAssistant(carts, catalog),
        ads=ads,
    )
    if settings.search.understand:  # the search reads queries as the router does, from the shop's vocabulary
        catalog.searcher.understand = assistant.router.understanding.signals
        catalog.searcher.compound_parts = lambda text: knowledge.vocabulary().compound_parts(text)
    generation = GenerationGate(
        settings.limits.max_concurrent_generations,
        settings.limits.generation_queue,
        settings.limits.generation_wait_s,
    )
    copywriter = build_copywriter(settings, llm, catalog, database, knowledge)
    reviews = build_reviews(settings, database)
    assistant.retriever.opinions = reviews.opinions
    assistant.retriever.words = lambda text: knowledge.vocabulary().message_words(text)
    assistant.retriever.numbers = lambda text: numbers_in(text, knowledge.vocabulary().language)
    campaigns = CampaignService(ads)
    return Services(
        settings=settings,
        metrics=metrics,
        keyring=keyring_from_settings(settings),
        database=database,
        llm=llm,
        catalog=catalog,
        personalization=personalization,
        commerce=commerce,
        conversations=conversations,
        policies=policies,
        assistant=assistant,
        generation=generation,
        idempotency=IdempotencyStore(database, settings.limits.idempotency_ttl_s),
        copywriter=copywriter,
        copy_jobs=build_copy_jobs(settings, copywriter, database, generation),
        carts=carts,
        browser=CatalogBrowser(catalog),
        ads=ads,
        campaigns=campaigns,
        creatives=CreativeService(campaigns, copywriter),
        insights=insights,
        reviews=reviews,
    )


def build_reviews(settings: Settings, database: Database) -> ReviewInsights:
    i = settings.insights
    return ReviewInsights(ReviewStore(database), Path(settings.data_dir) / "insights", neutral_band=i.neutral_band,
                          aspects_file=i.aspects_file)  # fmt: skip


def build_carts(
    settings: Settings, database: Database, catalog: CatalogService, personalization: PersonalizationService
) -> CartService:
    f = settings.storefront
    checkout = f.checkout_url.replace("{url}", f.url.rstrip("/"))
    return CartService(CartStore(database), catalog, personalization, checkout)


def build_copywriter(
    settings: Settings,
    llm: LLMService,
    catalog: CatalogService,
    database: Database,
    knowledge: ShopKnowledge | None = None,
) -> Copywriter:
    c = settings.copywriter
    return Copywriter(
        llm,
        catalog,
        DraftStore(database),
        settings.shop_name,
        c.banned_claims,
        c.max_tokens,
        c.avoid_words,
        shop_description=settings.assistant.shop_description,
        vocabulary=knowledge.vocabulary if knowledge is not None else None,
    )


def build_copy_jobs(
    settings: Settings, copywriter: Copywriter, database: Database, gate: GenerationGate | None
) -> CopyJobRunner:
    c = settings.copywriter
    store = CopyJobStore(database, lease_s=c.job_lease_s, max_attempts=c.job_max_attempts)
    return CopyJobRunner(copywriter, store, c.job_concurrency, gate)


def policies_dir(settings: Settings) -> Path | None:
    """Where the store policies are read from: the setting, else the demo store's copy (else packaged)."""
    if settings.assistant.policies_dir is not None:
        return settings.assistant.policies_dir
    demo = Path(settings.data_dir) / "demo" / "policies"
    return demo if demo.is_dir() else None


def build_policies(settings: Settings, catalog: CatalogService) -> PolicyIndex:
    return PolicyIndex(
        Path(settings.data_dir) / "policies",
        catalog.searcher.dense,
        read_policies(policies_dir(settings)),
        multilingual=catalog.searcher.multilingual,
        vectors=catalog.indexer.vectors,
        language=catalog.searcher.catalog_language,
    )


def event_store(settings: Settings, database: Database) -> EventStore:
    r = settings.recs
    weights = EventWeights(
        view=r.weight_view,
        cart=r.weight_cart,
        purchase=r.weight_purchase,
        rating_per_star_above_3=r.weight_rating_star,
        recency_boost=r.recency_boost,
        recency_half_life=r.recency_half_life,
    )
    return EventStore(database, weights)


def als_params(settings: Settings) -> AlsParams:
    r = settings.recs
    return AlsParams(factors=r.factors, regularization=r.regularization, alpha=r.alpha, iterations=r.iterations)


def recs_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "recs"


def build_personalization(settings: Settings, database: Database, catalog: CatalogService) -> PersonalizationService:
    return PersonalizationService(
        event_store(settings, database),
        catalog,
        recs_dir(settings),
        als_params(settings),
        promotion_gate(settings),
        search_weight=settings.recs.search_weight,
    )


def storefront(settings: Settings) -> Storefront:
    f = settings.storefront
    return Storefront(f.url, f.product_link, f.image_link, f.language, f.country, settings.shop_name)


def promotion_gate(settings: Settings) -> PromotionGate:
    r = settings.recs
    return PromotionGate(r.promotion_tolerance, r.promotion_holdout_users, r.promotion_min_users)
