// mlab's build of Marathon (replaces upstream's build.sbt): the scheduler and its plugin
// interface only, every dependency from Maven Central. Upstream's packaging (native-packager,
// S3 publishing, git versioning) and its test-only sub-projects need plugins and resolvers
// that are gone, and a lab needs none of them: `export marathon/runtime:fullClasspathAsJars` gives
// the jars the guests run with `java -cp 'lib/*'`.
import mesosphere.raml.RamlGeneratorPlugin

val silencerVersion = "1.7.1"
addCompilerPlugin("com.github.ghik" % "silencer-plugin" % silencerVersion cross CrossVersion.full)
libraryDependencies += "com.github.ghik" % "silencer-lib" % silencerVersion % Provided cross CrossVersion.full

// No `./version` script or git checkout here: the version is the build's own.
val labVersion = "1.11.0-lab"

lazy val commonSettings = Seq(
  autoCompilerPlugins := true,
  organization := "mesosphere.marathon",
  version := labVersion,
  scalaVersion := "2.13.3",
  crossScalaVersions := Seq(scalaVersion.value),
  scalacOptions in Compile ++= Seq("-encoding", "UTF-8", "-target:jvm-1.8", "-feature", "-Yrangepos"),
  javacOptions in Compile ++= Seq("-encoding", "UTF-8", "-source", "1.8", "-target", "1.8"),
  sources in (Compile, doc) := Seq.empty,
  publishArtifact in (Compile, packageDoc) := false
)

// marathon.proto compiled with the protoc that protoc-jar carries (no protoc on the host, and
// the sbt-protobuf plugin is not on Maven Central); the same 3.3.0 upstream used.
val protobufSettings = Seq(
  libraryDependencies += "com.google.protobuf" % "protobuf-java" % "3.3.0",
  sourceGenerators in Compile += Def.task {
    val protos = (sourceDirectory in Compile).value / "protobuf"
    val out = (sourceManaged in Compile).value / "protobuf"
    IO.createDirectory(out)
    val args = Array("-v330", s"-I$protos", s"--java_out=$out", (protos / "marathon.proto").toString)
    val status = com.github.os72.protocjar.Protoc.runProtoc(args)
    if (status != 0) sys.error(s"protoc exited with $status on marathon.proto")
    (out ** "*.java").get
  }.taskValue
)

lazy val `plugin-interface` = (project in file("plugin-interface"))
  .settings(commonSettings: _*)
  .settings(name := "plugin-interface", libraryDependencies ++= Dependencies.pluginInterface)

lazy val marathon = (project in file("."))
  .enablePlugins(RamlGeneratorPlugin)
  .dependsOn(`plugin-interface`)
  .settings(commonSettings: _*)
  .settings(protobufSettings: _*)
  .settings(
    unmanagedResourceDirectories in Compile += baseDirectory.value / "docs" / "docs" / "rest-api",
    libraryDependencies ++= Dependencies.marathon,
    sourceGenerators in Compile += (ramlGenerate in Compile).taskValue,
    mainClass in Compile := Some("mesosphere.marathon.Main"),
    packageOptions in (Compile, packageBin) ++= Seq(
      Package.ManifestAttributes("Implementation-Version" -> version.value),
      Package.ManifestAttributes("Scala-Version" -> scalaVersion.value)
    )
  )
