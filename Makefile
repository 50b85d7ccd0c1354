# simbridge — the two commands a newcomer needs: `make run` and `make test`.
# Both install what is missing first (npm packages from the lockfile).

NODE_MODULES_STAMP := node_modules/.installed
TESTS ?= unit contract integration smoke

.PHONY: setup build run test test-fast clean proto

setup: $(NODE_MODULES_STAMP)

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: setup
	rm -rf dist
	npx tsc -p .

# The main job on the embedded default: the in-repo MuJoCo server on loopback.
run: build
	node bin/simbridge.js demo

# Every test tier; fails when a test fails.
test: build
	node --test --test-reporter=spec $$(for t in $(TESTS); do find dist/test/$$t -name '*.test.js' 2>/dev/null; done | sort)

# One file or a pattern while developing: make test-fast PATTERN=replay
test-fast: build
	node --test --test-reporter=spec $$(find dist/test -name '*.test.js' | grep -e '$(PATTERN)' | sort)

clean:
	rm -rf dist node_modules

# Regenerates the TypeScript types of the protocol (src/protocol/generated/, nobody edits it).
proto: setup
	rm -rf src/protocol/generated
	npx proto-loader-gen-types --keepCase --longs=Number --defaults --oneofs --grpcLib=@grpc/grpc-js \
	  --includeComments -O src/protocol/generated simbridge/v1/session.proto -I proto
	# ESM (NodeNext) needs explicit .js on relative imports.
	find src/protocol/generated -name '*.ts' -exec sed -i -E "s#(from '\.[^']*)';#\1.js';#" {} +
