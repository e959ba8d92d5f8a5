//! Artifacts: the software Debian does not ship (Mesos, Mesos-DNS, Spark, Kafka, ...). The
//! catalog says where each comes from and how it is checked; the cache keeps verified files by
//! checksum; fetch downloads, build makes what can only be built, staging hands them to labs.

pub mod elf;
