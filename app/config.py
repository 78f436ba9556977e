"""Every setting and every default of shopassist, in one place.

Settings come from environment variables with the prefix ``SHOPASSIST_`` (nested groups use ``__``,
e.g. ``SHOPASSIST_LLM__BACKEND=openai``) and from an optional ``.env`` file in the working directory.
``shopassist info`` and ``GET /v1/capabilities`` print the resolved values with secrets masked.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["dev", "test", "production"]
LLMBackend = Literal["embedded", "openai"]
EmbeddedModel = Literal["qwen2.5-1.5b", "qwen2.5-0.5b", "smollm2-135m"]
Role = Literal["admin", "merchant", "support", "customer"]
ExampleKind = Literal["copy", "support"]
_EXAMPLE_KINDS: tuple[ExampleKind, ...] = ("copy", "support")

# Values that must never protect a production deployment (copied from docs, examples, tests).
KNOWN_WEAK_SECRETS = frozenset({"changeme", "changethis", "secret", "admin", "password", "test", "dev"})
MIN_PRODUCTION_SECRET_LENGTH = 24


class LLMSettings(BaseModel):
    """The language model: one OpenAI-compatible client path for every backend."""

    backend: LLMBackend = Field("embedded", description="embedded llama.cpp server in-process, or openai")
    model: EmbeddedModel = Field("qwen2.5-1.5b", description="GGUF shipped in pinned packages (embedded)")
    model_path: Path | None = Field(None, description="a GGUF file to serve instead of a shipped model")
    models_dir: Path = Field(
        Path("~/.cache/shopassist/models"), description="where shipped chunks are joined once (~ expanded)"
    )
    base_url: str | None = Field(None, description="OpenAI-compatible URL for backend=openai, e.g. vLLM")
    api_key: SecretStr | None = Field(None, description="key for backend=openai")
    served_model: str = Field("shopassist", description="model name sent to an openai backend")
    threads: int = Field(2, ge=1, description="llama.cpp threads (decode and prompt)")
    parallel: int = Field(2, ge=1, description="llama.cpp slots served concurrently (continuous batching)")
    ctx_size: int = Field(
        4096, ge=512, description="total llama.cpp context, shared by the slots (2 x 2,048 fits a chat turn)"
    )
    cache_ram_mib: int = Field(128, ge=0, description="host-RAM prompt cache of the embedded server")
    warmup: bool = Field(True, description="prefill the system prompt at start-up")
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    max_tokens: int = Field(512, ge=1, description="default cap on generated tokens")
    timeout_s: float = Field(60.0, gt=0, description="timeout of one LLM request")
    max_retries: int = Field(2, ge=0, description="retries of one LLM request on connection errors")
    breaker_failures: int = Field(
        5, ge=1, description="consecutive failed requests that open the circuit to a remote (openai) backend"
    )
    breaker_reset_s: float = Field(
        30.0, gt=0, description="an open circuit lets one trial request through after this long"
    )


class QdrantSettings(BaseModel):
    """The product index: Qdrant's engine embedded in the process, or a Qdrant server when ``url`` is set."""

    url: str | None = Field(None, description="Qdrant server or cluster URL; unset = embedded engine in data_dir")
    api_key: SecretStr | None = Field(None, description="Qdrant server API key")
    prefer_grpc: bool = Field(True, description="talk gRPC to the server")
    collection: str = Field("products", description="collection alias (rebuilds switch it atomically)")
    shards: int = Field(1, ge=1, description="shards of a new server collection")
    replication_factor: int = Field(1, ge=1, description="replicas of a new server collection")
    hnsw_m: int = Field(32, ge=4, description="HNSW links per node")
    hnsw_ef_construct: int = Field(256, ge=8, description="HNSW build beam")
    hnsw_ef: int = Field(1024, ge=8, description="HNSW search beam")
    full_scan_threshold_kb: int = Field(
        20_000, ge=0, description="below this many KB of (filtered) vectors Qdrant searches exactly, not by HNSW"
    )
    quantization: Literal["int8", "none"] = Field(
        "int8", description="int8 scalar quantization of the dense vectors (in RAM), rescored with the originals"
    )
    keep_versions: int = Field(2, ge=1, description="embedded index versions kept on disk (current + previous)")


class EmbedSettings(BaseModel):
    """Encoders: all-MiniLM-L6-v2 (int8 ONNX or torch) and USE-multilingual for non-English queries."""

    backend: Literal["onnx-int8", "torch"] = Field(
        "onnx-int8", description="MiniLM runtime: int8 ONNX (no torch in the process) or sentence-transformers"
    )
    threads: int = Field(2, ge=1, description="threads per encoder")
    batch_size: int = Field(128, ge=1, description="products embedded per batch at ingest")
    ingest_workers: int = Field(
        2, ge=1, description="single-threaded encoder pipelines side by side at ingest (ONNX backend; 1 = off)"
    )
    onnx_batch_size: int = Field(
        32, ge=1, description="texts per ONNX MiniLM run (short product texts ran ~10% faster than at 128)"
    )
    query_cache_size: int = Field(10_000, ge=0, description="query embeddings kept in an LRU cache")
    vector_cache: bool = Field(
        True, description="keep products' embeddings on disk by text: rebuilds and re-ingests embed only new text"
    )
    vector_cache_path: Path | None = Field(
        None,
        description="the vector cache's SQLite file (default <data_dir>/embed/vectors.sqlite); data dirs on "
        "one host may share one",
    )


class SearchSettings(BaseModel):
    mode: Literal["hybrid", "dense", "sparse"] = Field("hybrid", description="default retrieval mode")
    prefetch_limit: int = Field(50, ge=1, description="candidates per retriever before RRF fusion")
    rrf_k: int = Field(60, ge=1, description="reciprocal-rank-fusion constant")
    fusion_weights: dict[str, float] = Field(
        default_factory=lambda: {"bm25": 5.0, "dense": 1.0, "multilingual": 1.0},
        description="influence of each retriever in the fusion (bm25, dense, multilingual), JSON object; chosen "
        "on the validation half of the labelled demo queries",
    )
    translate_queries: bool = Field(
        True, description="Chinese queries also search with their CC-CEDICT dictionary translation (MiniLM + BM25)"
    )
    understand: bool = Field(
        True,
        description="put first the results that meet more of what the query names in the catalog's own terms "
        "(its category, attribute values, product names); the fused rank orders the rest",
    )
    understood_pool: int = Field(50, ge=1, description="fused candidates re-ordered by the query's constraints")


class RecsSettings(BaseModel):
    """The ALS recommender and how much each event type counts."""

    factors: int = Field(64, ge=2, description="ALS latent factors")
    regularization: float = Field(0.05, ge=0, description="ALS L2 regularization")
    alpha: float = Field(2.0, gt=0, description="confidence scaling of interactions")
    iterations: int = Field(15, ge=1, description="ALS iterations")
    weight_view: float = Field(1.0, ge=0, description="confidence of a view")
    weight_cart: float = Field(4.0, ge=0, description="confidence of an add-to-cart")
    weight_purchase: float = Field(10.0, ge=0, description="confidence of a purchase (times quantity)")
    weight_rating_star: float = Field(3.0, ge=0, description="confidence per rating star above 3")
    recency_boost: float = Field(
        10.0, ge=0, description="a user's newest event counts 1 + this many times its weight (0: order does not count)"
    )
    recency_half_life: float = Field(
        5.0, gt=0, description="the recency boost halves every this many of the user's newer events"
    )
    search_weight: float = Field(0.3, ge=0, le=1, description="share of the ALS preference in personalised search")
    retrain_interval_s: float = Field(3600, ge=0, description="retrain ALS in the background this often (0 = never)")
    promotion_tolerance: float = Field(
        0.1,
        ge=0,
        le=1,
        description="a new model version is served only if its held-out NDCG@10 is at least (1 - this) x the served "
        "version's (train-recs / federated simulate --force overrides)",
    )
    promotion_holdout_users: int = Field(
        500, ge=1, description="users whose newest item is held out to score a new version against the served one"
    )
    promotion_min_users: int = Field(
        20, ge=1, description="fewer eligible users (3+ items) than this: too little to judge, the version is served"
    )


class FederatedSettings(BaseModel):
    """Federated personalization across shops (Flower), with differential privacy."""

    python: Path = Field(
        Path(".venv-federated/bin/python"), description="interpreter of the federated environment (make venv-federated)"
    )
    shops: int = Field(5, ge=2, le=100, description="shops a simulation splits the users over")
    rounds: int = Field(20, ge=1, le=500, description="federated rounds")
    epsilon: float | None = Field(
        None, gt=0, description="DP budget ε per shop over all rounds (unset: no DP; inf: clipping only)"
    )
    delta: float = Field(1e-5, gt=0, lt=1, description="DP δ")
    clip: float = Field(1.0, gt=0, description="L2 bound of one shop's update per round (DP)")
    timeout_s: float = Field(1800, gt=0, description="a federated run is stopped after this long")


class FinetuneConfig(BaseModel):
    """One LoRA fine-tuning run (`shopassist finetune train --config F.yaml`): the YAML holds these fields."""

    model_config = {"extra": "forbid"}

    base_model: str = Field(
        "smollm2-135m",
        description="a shipped model key (its GGUF re-saved once as safetensors), a model directory or a hub id",
    )
    data_dir: Path = Field(Path("data/finetune"), description="train.jsonl and heldout.jsonl (finetune build-data)")
    output_dir: Path = Field(Path("data/finetune/runs/smoke"), description="adapter/, merged/, metrics.json")
    rank: int = Field(8, ge=1, le=256, description="LoRA rank r")
    alpha: int = Field(16, ge=1, description="LoRA alpha (scale = alpha / r)")
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )
    learning_rate: float = Field(2e-4, gt=0)
    epochs: float = Field(1.0, gt=0, description="passes over the training set (max_steps wins when set)")
    max_steps: int | None = Field(None, ge=1, description="stop after this many optimizer steps")
    batch_size: int = Field(4, ge=1)
    gradient_accumulation: int = Field(1, ge=1)
    max_length: int = Field(1024, ge=32, description="tokens per example; longer examples are cut")
    max_train_examples: int | None = Field(None, ge=1, description="use the first N training examples")
    kinds: list[ExampleKind] = Field(
        default_factory=lambda: list(_EXAMPLE_KINDS), description="which kinds of examples to train and score on"
    )
    warmup_steps: int = Field(0, ge=0, description="linear learning-rate warm-up steps")
    seed: int = 0
    precision: Literal["auto", "fp32", "bf16"] = Field("auto", description="auto = bf16 on a GPU, fp32 on CPU")
    gradient_checkpointing: bool = Field(
        True, description="recompute activations in the backward pass: less memory, about a third more compute"
    )
    threads: int | None = Field(None, ge=1, description="torch CPU threads (unset: torch's default)")
    eval_examples: int = Field(64, ge=0, description="held-out examples scored by loss before and after")
    eval_generate: int = Field(8, ge=0, description="held-out examples answered and checked before and after")
    eval_max_new_tokens: int = Field(256, ge=8)
    merge: bool = Field(True, description="also save base + adapter merged (for vLLM without --enable-lora)")


class AuthSettings(BaseModel):
    """Customer tokens and browser access."""

    token_secret: SecretStr | None = Field(
        None, description="HMAC key of customer tokens; unset = derived from the admin key"
    )
    customer_token_ttl_s: int = Field(3600, ge=60, le=86_400, description="lifetime of a customer token")
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed to call the API from a browser (widget), JSON list"
    )


class RoutingSettings(BaseModel):
    """How a turn is routed from the shop's own data; thresholds were set on the development cases in
    tests/assistant (not on the frozen evaluation dialogs)."""

    example_threshold: float = Field(
        0.55, ge=0, le=1, description="cosine to the nearest intent example (USE) that decides a turn's kind"
    )
    example_floor: float = Field(
        0.4, ge=0, le=1, description="when nothing else decides, a question this close to the policy examples is one"
    )
    policy_threshold: float = Field(
        0.42, ge=0, le=1, description="cosine of the best policy passage (MiniLM/USE) for a turn to touch policy"
    )
    policy_threshold_multilingual: float = Field(
        0.3, ge=0, le=1, description="the same for messages in other scripts (USE cosines run lower)"
    )
    name_threshold: float = Field(
        0.34, ge=0, le=1, description="share of a product title's distinctive words that names that product"
    )
    sure_name: float = Field(
        0.6, ge=0, le=1, description="a name this clear makes a question about that product even with search words"
    )
    catalog_threshold: float = Field(
        0.5, ge=0, le=1, description="share of a message's content words the catalog uses for a product search"
    )
    category_similarity: float = Field(
        0.4, ge=0, le=1, description="cosine to a category's products for a message that names no category"
    )
    category_margin: float = Field(0.05, ge=0, le=1, description="lead over the next category that picks one")
    signals_cache: int = Field(
        4096, ge=0, description="search queries whose reading (category, values, names) is kept per catalog version"
    )
    order_id_pattern: str | None = Field(
        None, description="regular expression of order numbers; unset = learnt from the stored orders' ids"
    )
    refresh_s: float = Field(60.0, gt=0, description="how often the learnt order-number shape is re-read")
    llm_tiebreak: bool = Field(
        True, description="where no signal decides a turn's kind, the LLM chooses among the candidates (JSON schema)"
    )
    llm_tiebreak_timeout_s: float = Field(
        4.0, gt=0, description="an LLM tie-break not answered by then keeps the rules' default route"
    )


class AssistantSettings(BaseModel):
    """The customer-service assistant: how much it retrieves per turn and how much history it keeps."""

    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    shop_description: str = Field(
        "an online shop", description="what the shop is, in the assistant's and copywriter's prompts"
    )

    products_per_turn: int = Field(3, ge=1, le=10, description="product cards shown to the LLM per turn")
    short_refs: bool = Field(
        True,
        description="cards are shown to the LLM as [1], [2] … and mapped back to product ids as the reply streams "
        "(a SKU id costs up to ten tokens to read and ten to write); the 1.5B model may read [n] as list numbering "
        "('[2] <the third card's title>'): a citation whose label names another card is corrected "
        "(grounding.recite); false: the cards show the ids",
    )
    policy_passages: int = Field(2, ge=1, le=6, description="policy passages shown per policy question")
    orders_per_turn: int = Field(3, ge=1, le=10, description="the customer's recent orders shown per order question")
    history_tokens: int = Field(
        700,
        ge=0,
        description="budget (estimated tokens) of the history as the model saw it (each turn with its data); older "
        "turns go to the summary, in batches down to half the budget",
    )
    max_message_chars: int = Field(2000, ge=1, description="longest accepted chat message")
    reply_max_tokens: int = Field(220, ge=16, description="cap on a chat reply's tokens (customers, other keys)")
    staff_reply_max_tokens: int = Field(400, ge=16, description="cap on a chat reply's tokens for support and admin")
    first_token_timeout_s: float = Field(
        15.0, gt=0, description="a reply that has not started by then is answered from the data (degraded)"
    )
    return_window_days: int = Field(30, ge=0, description="days after delivery an order can be returned")
    policies_dir: Path | None = Field(
        None, description="Markdown store policies; unset = data_dir/demo/policies, else the packaged ones"
    )
    demo_customer_id: str | None = Field(
        "c0001", description="customer the /demo page chats as (ignored in production)"
    )


class CopySettings(BaseModel):
    """The product copywriter."""

    banned_claims: list[str] = Field(
        default_factory=lambda: [
            r"\bclinically (proven|tested)\b",
            r"\bdoctor[- ]recommended\b",
            r"\bmiracle\b",
            r"\blimited[- ]time\b",
            r"\bfree shipping\b",
        ],
        description="regular expressions a draft may never contain (JSON list); each match is an unsupported claim",
    )
    max_tokens: int = Field(450, ge=32, description="cap on one generated draft's tokens")
    avoid_words: list[str] = Field(
        default_factory=lambda: ["perfect", "best", "ultimate", "finest", "flawless"],
        description="superlatives suppressed while decoding (JSON list; llama.cpp logit bias, vLLM bad_words)",
    )
    job_concurrency: int = Field(
        1, ge=1, le=64, description="products a batch job writes at once (embedded model: 1; vLLM: 8-32)"
    )
    job_lease_s: float = Field(
        600.0, gt=0, description="a claimed job item is taken over after this long (replicas sharing PostgreSQL)"
    )
    job_max_attempts: int = Field(3, ge=1, description="tries per product before a job marks it failed")


class LimitsSettings(BaseModel):
    """Abuse and overload limits (OWASP LLM10). A rate of 0 turns that limit off."""

    per_ip_rps: float = Field(100.0, ge=0, description="requests per second per client IP (token bucket rate)")
    per_ip_burst: int = Field(200, ge=1, description="burst size per client IP")
    per_key_rps: float = Field(20.0, ge=0, description="requests per second per API key or customer")
    per_key_burst: int = Field(60, ge=1, description="burst size per API key or customer")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body (JSON routes)")
    max_upload_bytes: int = Field(104_857_600, ge=1024, description="largest feed upload (catalog ingest)")
    max_concurrent_generations: int = Field(
        2, ge=1, description="chat turns generating at once (match the LLM's slots or vLLM's capacity)"
    )
    generation_queue: int = Field(8, ge=0, description="chat turns allowed to wait for a slot; more get 503")
    read_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="catalog read requests (search, browse, products, recommendations) run at "
        "once; unset = 1 with the embedded engine (its work holds the GIL: more only trade it), 8 against a Qdrant "
        "server (its calls wait on the network)",
    )
    generation_wait_s: float = Field(20.0, gt=0, description="longest wait for a generation slot before 503")
    idempotency_ttl_s: int = Field(86_400, ge=60, description="how long a write's Idempotency-Key result is replayed")
    gc_freeze: bool = Field(
        True,
        description="once started, keep what start-up built (models, vocabularies, caches: ~400k objects, a "
        "250 ms full pass of the garbage collector) out of the collector's later passes",
    )

    def reads(self, remote_index: bool) -> int:
        """The read threads: as set, else the default for the index in use."""
        return self.read_threads or (8 if remote_index else 1)


class StorefrontSettings(BaseModel):
    """The shop's own storefront: where feed and JSON-LD links point ({url} and {id} are filled in)."""

    url: str = Field("http://127.0.0.1:8000/demo", description="public base URL of the shop's pages")
    product_link: str = Field("{url}/products/{id}", description="a product's page (its own `url` wins)")
    image_link: str = Field("{url}/images/{id}.svg", description="a product's image (its own `image_url` wins)")
    language: str = Field("en", pattern=r"^[a-z]{2}$", description="content language of the feeds")
    country: str = Field("US", pattern=r"^[A-Z]{2}$", description="feed label (target country) of the feeds")
    checkout_url: str = Field(
        "{url}/checkout?cart={cart_id}", description="the shop's own checkout for a cart (shopassist takes no payment)"
    )


class AdsSettings(BaseModel):
    """Sponsored products: where ads may appear, the auction, pacing and the online click model."""

    enabled: bool = Field(True, description="serve sponsored products where campaigns are running")
    positions: list[int] = Field([0, 4], max_length=5, description="0-based positions of sponsored slots in a list")
    reserve_cpc: float = Field(0.05, gt=0, description="reserve price per click: lower bids never win")
    relevance_floor: float = Field(
        0.3, ge=0, le=1, description="least query-product cosine (or shopper affinity) an ad needs to be shown"
    )
    frequency_cap: int = Field(20, ge=1, description="impressions per shopper, campaign and day at most")
    explore: float = Field(0.05, ge=0, le=1, description="share of slots given to a random eligible ad")
    squash: float = Field(
        2.0, ge=0, le=4, description="auction rank is bid x pCTR^squash: above 1 favours ads shoppers click over bids"
    )
    pacing_gain: float = Field(10.0, gt=0, description="throttle to 0 when spend runs 1/gain of the budget ahead")
    click_window_s: float = Field(300, gt=0, description="an impression not clicked within this is a negative example")
    attribution_days: float = Field(7, gt=0, description="a purchase this long after a click counts as a conversion")
    learning_rate: float = Field(0.01, gt=0, description="SGD step of the click model")
    prior_ctr: float = Field(0.02, gt=0, lt=1, description="the click model's CTR before it has seen events")
    checkpoint_every: int = Field(200, ge=1, description="save the click model after this many updates")
    timezone: str = Field(
        "UTC", description="IANA zone of the shop's day: daily budgets, pacing and frequency caps renew at its midnight"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Berlin)") from exc
        return value


class InsightsSettings(BaseModel):
    """Merchant insights: demand forecasts, restock advice and review analysis."""

    horizon_days: int = Field(28, ge=1, le=365, description="forecast days served when a request names none")
    history_days: int = Field(182, ge=28, description="days of sales a forecast is fitted on (recent regime)")
    backtest_days: int = Field(28, ge=7, description="held-out days that choose each series' model")
    level: int = Field(80, ge=50, le=99, description="central prediction interval, percent")
    refresh_s: float = Field(3600, gt=0, description="forecasts are refitted when older than this")
    refit_growth: float = Field(0.1, ge=0, description="refit at once when stored orders and events grew this much")
    reselect_s: float = Field(
        7 * 86400, gt=0, description="each product's model is chosen again by backtest when its choice is older"
    )
    fit_workers: int = Field(
        2, ge=0, le=64, description="processes a forecast refresh runs in (0: the service's own, with its imports)"
    )
    lead_time_days: int = Field(7, ge=0, description="days from a reorder to stock on the shelf")
    review_days: int = Field(7, ge=1, description="days between two reorders (the order-up-to period)")
    service_level: float = Field(0.95, gt=0.5, lt=1, description="chance the stock covers the lead time")
    overstock_cover_days: float = Field(120, gt=0, description="stock lasting longer than this is overstock")
    protect_cover_days: float = Field(
        3, ge=0, description="a product with fewer days of cover is not pushed by recommendations or ads"
    )
    overstock_boost: float = Field(0.0, ge=0, le=1, description="merchant rule: raise overstocked products' scores")
    neutral_band: float = Field(0.15, ge=0, lt=0.5, description="P(positive) within 0.5 ± this is neutral")
    aspects_file: Path | None = Field(None, description="YAML of review aspects and their terms (unset: built in)")


class LogSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class Settings(BaseSettings):
    """Resolved settings of one shopassist process."""

    model_config = SettingsConfigDict(
        env_prefix="SHOPASSIST_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Environment = Field("dev", description="dev, test or production (production refuses weak secrets)")
    host: str = Field("127.0.0.1", description="bind address of `shopassist serve`")
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Field(Path("data"), description="index, database, models' state, generated keys")
    database_url: str | None = Field(None, description="SQLAlchemy URL; unset = SQLite file in data_dir")
    sqlite_checkpoint_s: float = Field(
        1.0, gt=0, description="the service copies SQLite's write-ahead log into the file this often, off requests"
    )
    admin_api_key: SecretStr | None = Field(
        None, description="admin key; unset = generated once and stored in data_dir (not in production)"
    )
    api_keys: dict[str, Role] = Field(
        default_factory=dict, description='more keys as JSON: {"key": "merchant", "key2": "support"}'
    )
    shop_name: str = Field("Demo Boutique", description="shop name used in prompts and UIs")
    shop_language: str = Field(
        "auto",
        pattern=r"^(auto|[a-z]{2})$",
        description="the catalog's language, ISO 639-1 (BM25 stemming and stop words, which encoder reads a "
        "query); auto: read from the products' titles and descriptions",
    )
    metrics_public: bool = Field(True, description="serve /metrics without a token")
    llm: LLMSettings = Field(default_factory=LLMSettings)
    qdrant: QdrantSettings = Field(default_factory=QdrantSettings)
    embed: EmbedSettings = Field(default_factory=EmbedSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    recs: RecsSettings = Field(default_factory=RecsSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    copywriter: CopySettings = Field(default_factory=CopySettings)
    federated: FederatedSettings = Field(default_factory=FederatedSettings)
    storefront: StorefrontSettings = Field(default_factory=StorefrontSettings)
    ads: AdsSettings = Field(default_factory=AdsSettings)
    insights: InsightsSettings = Field(default_factory=InsightsSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    @model_validator(mode="after")
    def _refuse_weak_secrets_in_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.admin_api_key is None:
            raise ValueError("SHOPASSIST_ADMIN_API_KEY must be set when SHOPASSIST_ENV=production")
        for name, value in [("SHOPASSIST_ADMIN_API_KEY", self.admin_api_key.get_secret_value())] + [
            ("SHOPASSIST_API_KEYS", key) for key in self.api_keys
        ]:
            if value.lower() in KNOWN_WEAK_SECRETS or len(value) < MIN_PRODUCTION_SECRET_LENGTH:
                raise ValueError(
                    f"{name} holds a default or short key; production needs a random key of at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters"
                )
        return self

    @field_validator("shop_language")
    @classmethod
    def _searchable_language(cls, value: str) -> str:
        if value != "auto":
            from retrieval.language import language

            language(value)  # ValueError names the languages search can serve
        return value

    @model_validator(mode="after")
    def _openai_backend_needs_url(self) -> Settings:
        if self.llm.backend == "openai" and not self.llm.base_url:
            raise ValueError("SHOPASSIST_LLM__BASE_URL must be set when SHOPASSIST_LLM__BACKEND=openai")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'shopassist.db').as_posix()}"

    def masked(self) -> dict[str, object]:
        """Resolved settings as plain data, every secret replaced by a mask (for info and capabilities)."""
        data = self.model_dump(mode="json")
        data["api_keys"] = {f"key_{i + 1}": role for i, role in enumerate(self.api_keys.values())}
        if self.database_url:
            data["database_url"] = _mask_url_password(self.database_url)
        data["resolved_database_url"] = _mask_url_password(self.resolved_database_url)
        return data


def _mask_url_password(url: str) -> str:
    """Hide the password of ``scheme://user:password@host`` URLs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own ``Settings``)."""
    return Settings()
