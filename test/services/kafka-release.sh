# The pinned Apache Kafka release, shared by kafka-install.sh and kafka.ts (which parses this file).
KAFKA_VERSION=4.4.0
SLF4J_SIMPLE_VERSION=1.7.36
