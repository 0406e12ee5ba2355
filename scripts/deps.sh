#!/usr/bin/env bash
# Installs everything Eddy needs to build, test and benchmark on Debian 12. Idempotent; run as root.
#   scripts/deps.sh          build + test dependencies
#   scripts/deps.sh --bench  also the benchmark peers (ElasticMQ via npm, wrk)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libsqlite3-dev libssl-dev libcli11-dev
  libarchive-dev                          # Lambda zip packages
  libfaketime                             # Lambda runtimes read the virtual clock (--clock virtual)
  libcctz-dev tzdata                      # time zones of EventBridge Scheduler expressions
  googletest libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev            # ASan+UBSan run of the unit tests
  python3-boto3                           # Debian's boto3 1.26: speaks SQS over Query/XML
  awscli                                  # AWS CLI v2 at /usr/bin/aws: `aws logs tail` tests
  curl
  zip                                     # examples/dlq-auto-redrive/deploy.sh packages the function
)
# Node.js + npm for the @aws-sdk/client-sqs tests. Machines that already have a Node.js with npm bundled
# (NodeSource builds conflict with Debian's npm package) keep theirs.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then APT_PACKAGES+=(nodejs npm); fi
if [[ "${1:-}" == "--bench" ]]; then APT_PACKAGES+=(wrk openjdk-17-jre-headless); fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Boost 1.81 (Asio 1.26 + Beast + JSON), header-only, unpacked into a private prefix: the Debian package
# conflicts with the libboost1.74-dev that other packages pull in, so it is never installed system-wide.
BOOST_PREFIX="${EDDY_BOOST_PREFIX:-$HOME/.cache/eddy/boost-1.81}"
if [[ ! -f "$BOOST_PREFIX/usr/include/boost/version.hpp" ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libboost1.81-dev 2>/dev/null || { apt-get update -qq && apt-get download libboost1.81-dev; })
  mkdir -p "$BOOST_PREFIX"
  dpkg -x "$tmp"/libboost1.81-dev_*.deb "$BOOST_PREFIX"
  rm -rf "$tmp"
fi

# npm packages for the integration tests (and the ElasticMQ jar for the benchmark), pinned by the lock file.
if [[ -f tests/package-lock.json ]]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error)
fi
