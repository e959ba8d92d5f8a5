#!/usr/bin/env python3
"""mlab's changes to Chronos's pom.xml, so that it builds from Maven Central alone on Java 17.

- Chaos and mesos-utils (Mesosphere's, never on Central) are compiled in from their sources
  (extra/chaos, extra/mesos-utils, added as source folders); their own dependencies become
  direct ones (central-deps.xml), with Mesos 1.11.0's Java API, the labs' Mesos.
- The Mesosphere and local repositories go; the npm step of the UI goes (mlab builds the UI
  before Maven runs, see chronos.sh).
- Scala 2.11.12 and scala-maven-plugin 4.8.1: the 2.11.8 compiler and plugin 3.1.0 do not run
  on Java 17.

Every edit must find what it changes: a Chronos tree that differs fails here, not later.
Usage: pom.py POM CENTRAL_DEPS_XML
"""
import re
import sys

pom_path, deps_path = sys.argv[1], sys.argv[2]
pom = open(pom_path, encoding="utf-8").read()
deps = open(deps_path, encoding="utf-8").read()


def edit(pattern, replacement, what):
    global pom
    pom, count = re.subn(pattern, replacement, pom, count=1, flags=re.S)
    if count != 1:
        sys.exit(f"pom.py: {pom_path} has no {what}; is this the Chronos commit the catalog names?")


edit(r"<scala\.version>2\.11\.8</scala\.version>", "<scala.version>2.11.12</scala.version>", "scala.version 2.11.8")
edit(r"<scala-maven-plugin\.version>[^<]+</scala-maven-plugin\.version>",
     "<scala-maven-plugin.version>4.8.1</scala-maven-plugin.version>", "scala-maven-plugin.version")
edit(r"\s*<repositories>.*?</repositories>", "", "<repositories> section")
edit(r"\s*<dependency>\s*<groupId>mesosphere</groupId>\s*<artifactId>chaos_2\.11</artifactId>.*?</dependency>",
     "\n" + deps.rstrip(), "chaos_2.11 dependency")
edit(r"\s*<dependency>\s*<groupId>mesosphere</groupId>\s*<artifactId>mesos-utils_2\.11</artifactId>.*?</dependency>",
     "", "mesos-utils_2.11 dependency")
edit(r"\s*<plugin>\s*<groupId>org\.apache\.maven\.plugins</groupId>\s*<artifactId>maven-antrun-plugin</artifactId>"
     r"(?:(?!</plugin>).)*?ant-run-npm.*?</plugin>", "", "antrun npm plugin")
vendored = """
      <!-- mlab: Chaos and mesos-utils compiled in from their sources -->
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>build-helper-maven-plugin</artifactId>
        <version>3.6.0</version>
        <executions>
          <execution>
            <id>mlab-vendored-sources</id>
            <phase>generate-sources</phase>
            <goals><goal>add-source</goal></goals>
            <configuration>
              <sources>
                <source>extra/chaos/src/main/scala</source>
                <source>extra/chaos/src/main/java</source>
                <source>extra/mesos-utils/src/main/scala</source>
              </sources>
            </configuration>
          </execution>
          <execution>
            <id>mlab-vendored-resources</id>
            <phase>generate-resources</phase>
            <goals><goal>add-resource</goal></goals>
            <configuration>
              <resources><resource><directory>extra/chaos/src/main/resources</directory></resource></resources>
            </configuration>
          </execution>
        </executions>
      </plugin>"""
edit(r"(</pluginManagement>\s*<plugins>)", r"\1" + vendored.replace("\\", "\\\\"), "<plugins> after <pluginManagement>")
open(pom_path, "w", encoding="utf-8").write(pom)
