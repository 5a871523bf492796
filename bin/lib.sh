# Shared by the scripts in bin/: project paths, the JDK, Maven. Source it, do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The Elasticsearch the build targets by default (pom.xml), and the one this run targets (ES_VERSION=... overrides it).
DEFAULT_ES_VERSION="$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$ROOT/pom.xml" | head -n 1)"
ES_VERSION="${ES_VERSION:-$DEFAULT_ES_VERSION}"
PLUGIN_VERSION="$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml")"

die() { echo "error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# java_major JAVA_HOME: the feature version of that JDK (17, 21, 25...), or nothing.
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n 1
}

# find_jdk: sets JAVA_HOME to a JDK 21+ (Elasticsearch 9 is Java 21 bytecode). Looks at PERSONALIZE_JAVA_HOME,
# JAVA_HOME, ES_JAVA_HOME, the JDKs under /usr/lib/jvm and /opt, then the javac on the PATH.
find_jdk() {
  local candidates=() c major
  for c in "${PERSONALIZE_JAVA_HOME:-}" "${JAVA_HOME:-}" "${ES_JAVA_HOME:-}"; do [ -n "$c" ] && candidates+=("$c"); done
  for c in /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do [ -d "$c" ] && candidates+=("$c"); done
  if command -v javac >/dev/null 2>&1; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"); fi
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/javac" ] || continue
    major="$(java_major "$c")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  die "no JDK 21 or newer found (looked at \$PERSONALIZE_JAVA_HOME, \$JAVA_HOME, \$ES_JAVA_HOME, /usr/lib/jvm, /opt and the PATH).
Elasticsearch $ES_VERSION is Java 21 bytecode: install a JDK 21+ and set JAVA_HOME to it."
}

# mvn_run ARGS: Maven on the JDK found above, quiet about the JDK's own warnings on Maven's libraries.
mvn_run() {
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is not installed: install it (apt-get install maven) and try again."
  mvn -B -Dstyle.color=never -Des.version="$ES_VERSION" -Des.compile.version="$(compile_version)" -Des.api="$(api_version)" -Dpersonalize.build.dir="$(build_dir)" "$@" 2> >(grep -v -e '^WARNING: .*sun.misc.Unsafe' -e '^WARNING: Please consider reporting' -e 'terminally deprecated method' -e 'will be removed in a future release' >&2)
}

# build_dir: where the plugin is built for ES_VERSION: target/ for the default, target/es-<version>/ for another, so
# that builds for several versions live side by side (bin/build-all).
build_dir() {
  if [ "$ES_VERSION" = "$DEFAULT_ES_VERSION" ]; then echo "$ROOT/target"; else echo "$ROOT/target/es-$ES_VERSION"; fi
}

plugin_zip() { echo "$(build_dir)/personalize-$PLUGIN_VERSION.zip"; }

# package_args: Maven arguments for a build of the plugin zip without tests. For a release other than the default: no
# test compilation either (Maven Central serves Elasticsearch's test framework here only for some releases) and no
# format check (the default build does it; the format does not depend on the release).
package_args() {
  if [ "$ES_VERSION" = "$DEFAULT_ES_VERSION" ]; then
    echo "-DskipTests"
  else
    echo "-Dmaven.test.skip=true -Des.test.version=$DEFAULT_ES_VERSION -Dspotless.check.skip=true"
  fi
}

# ensure_plugin_zip: builds the plugin zip (without tests) when it is missing or older than the sources.
ensure_plugin_zip() {
  local zip; zip="$(plugin_zip)"
  if [ ! -f "$zip" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" "$ROOT/plugin-descriptor" -newer "$zip" -type f 2>/dev/null | head -n 1)" ]; then
    log "building the plugin zip"
    ensure_server_jar
    (cd "$ROOT" && mvn_run -q $(package_args) package >&2) || die "the plugin build failed"
  fi
}

# compile_version: the server jar the build for ES_VERSION compiles against: the release itself, unless es-versions.txt
# names another patch of its minor (a release whose distribution is served here but not its server jar).
compile_version() {
  local v
  v="$(awk -v es="$ES_VERSION" '!/^#/ && $1 == es && NF >= 4 { print $4 }' "$ROOT/es-versions.txt" 2>/dev/null)"
  [ "$v" != dist ] || v="$ES_VERSION"
  echo "${v:-$ES_VERSION}"
}

# ensure_server_jar: for a release es-versions.txt compiles against its distribution's own server jar (compile-against
# "dist": Maven Central serves its distribution here but not its org.elasticsearch:elasticsearch jar, and no served
# release has its plugin API), installs lib/elasticsearch-<release>.jar of that distribution into the local Maven
# repository as org.elasticsearch:elasticsearch:<release>, once. Its pom is the default release's with the Lucene the
# distribution ships; Elasticsearch's own libraries stay the default's (not served for the release; the compile uses
# only their types, and the smoke test on a real node of the release proves the zip).
ensure_server_jar() {
  local dist jar pom lucene tmp
  [ "$(awk -v es="$ES_VERSION" '!/^#/ && $1 == es && NF >= 4 { print $4 }' "$ROOT/es-versions.txt" 2>/dev/null)" = dist ] || return 0
  # already installed: resolvable offline
  (cd "$ROOT" && mvn_run -q -o dependency:get -Dartifact="org.elasticsearch:elasticsearch:$ES_VERSION" -Dtransitive=false >/dev/null 2>&1) && return 0
  log "installing the server jar of the Elasticsearch $ES_VERSION distribution into the local Maven repository"
  tmp="$(mktemp -d)"
  (cd "$ROOT" && mvn_run -q dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$tmp" >&2 &&
    mvn_run -q dependency:copy -Dartifact="org.elasticsearch:elasticsearch:$DEFAULT_ES_VERSION:pom" -DoutputDirectory="$tmp" >&2) ||
    die "could not fetch the Elasticsearch $ES_VERSION distribution or the $DEFAULT_ES_VERSION pom through Maven"
  dist="$tmp/elasticsearch-$ES_VERSION.zip"
  jar="elasticsearch-$ES_VERSION/lib/elasticsearch-$ES_VERSION.jar"
  (cd "$tmp" && unzip -q -o "$dist" "$jar" "elasticsearch-$ES_VERSION/lib/lucene-core-*.jar") || die "no $jar in $dist"
  lucene="$(basename "$tmp"/elasticsearch-"$ES_VERSION"/lib/lucene-core-*.jar .jar)"
  lucene="${lucene#lucene-core-}"
  pom="$tmp/elasticsearch-$ES_VERSION.pom"
  # the artifact's own version (the first <version>), then every Lucene dependency's
  sed -e "0,/<version>$DEFAULT_ES_VERSION<\/version>/s//<version>$ES_VERSION<\/version>/" \
    -e "/<groupId>org.apache.lucene<\/groupId>/,/<\/version>/s:<version>[^<]*</version>:<version>$lucene</version>:" \
    "$tmp/elasticsearch-$DEFAULT_ES_VERSION.pom" >"$pom"
  (cd "$ROOT" && mvn_run -q install:install-file -Dfile="$tmp/$jar" -DpomFile="$pom" >&2) ||
    die "could not install the Elasticsearch $ES_VERSION server jar"
  rm -rf "$tmp"
}

# api_version: the adapter directory (src/es-<api>/java) for ES_VERSION: the one es-versions.txt gives that release,
# else the one of a listed release of the same minor, else the pom's default (the current API).
api_version() {
  local minor="${ES_VERSION%.*}" v
  v="$(awk -v es="$ES_VERSION" -v minor="$minor" '!/^#/ && NF >= 3 {
         if ($1 == es) { exact = $3 } else if (substr($1, 1, length(minor) + 1) == minor ".") { same = $3 } }
       END { print (exact != "" ? exact : same) }' "$ROOT/es-versions.txt" 2>/dev/null)"
  echo "${v:-$(sed -n 's:.*<es.api>\(.*\)</es.api>.*:\1:p' "$ROOT/pom.xml" | head -n 1)}"
}

# es_versions [KIND]: the Elasticsearch releases in es-versions.txt (all, or those tested as KIND: full, smoke, unit).
es_versions() {
  awk -v kind="${1:-}" '!/^#/ && NF >= 2 && (kind == "" || $2 == kind) { print $1 }' "$ROOT/es-versions.txt"
}
