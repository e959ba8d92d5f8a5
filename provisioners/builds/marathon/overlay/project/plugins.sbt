// mlab's meta-build for Marathon (replaces upstream's project/plugins.sbt): no sbt plugins,
// since upstream's (packaging, formatting, S3, git) come from resolvers that are gone and a
// lab build needs none; the RAML type generator and protoc-jar, from Maven Central.
libraryDependencies ++= Seq(
  "org.raml" % "raml-parser-2" % "1.0.3",
  "com.eed3si9n" %% "treehugger" % "0.4.3",
  "org.slf4j" % "slf4j-nop" % "1.7.25",
  "com.github.os72" % "protoc-jar" % "3.8.0"
)

sbtPlugin := true

lazy val typeGenerator = ProjectRef(file("../type-generator"), "root")
dependsOn(typeGenerator)

scalaVersion := "2.12.4"
