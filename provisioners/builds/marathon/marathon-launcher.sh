#!/bin/sh
# Marathon as the labs run it: Java 17 with the one module opening Guice 4.1 needs (without it
# Marathon exits at start with InaccessibleObjectException on ClassLoader.defineClass), the
# heap and JIT settings from JAVA_OPTS (not MARATHON_JAVA_OPTS: Marathon reads every MARATHON_*
# variable as a flag), flags from MARATHON_* variables and from the command line.
home=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options
exec java ${JAVA_OPTS:--Xmx512m} --add-opens java.base/java.lang=ALL-UNNAMED \
    -cp "$home/lib/*" mesosphere.marathon.Main "$@"
