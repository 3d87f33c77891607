#!/bin/bash
# The official image's kafka-storage.sh: StorageTool on the broker's classpath.
exec java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
  -Dlog4j.configuration=file:/opt/kafka/config/tools-log4j.properties \
  -cp '/opt/kafka/libs/*' kafka.tools.StorageTool "$@"
