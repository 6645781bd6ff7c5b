{{/* The services, in the order they are rendered. */}}
{{- define "trailwatch.services" -}}
ingest detect notify remediate
{{- end -}}

{{- define "trailwatch.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of a service's objects: (dict "root" $ "name" "ingest") */}}
{{- define "trailwatch.serviceName" -}}
{{- printf "%s-%s" (include "trailwatch.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "trailwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "trailwatch.labels" -}}
{{ include "trailwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: trailwatch
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels of objects that belong to no single service. */}}
{{- define "trailwatch.commonLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: trailwatch
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "trailwatch.serviceAccountName" -}}
{{- $svc := index .root.Values .name -}}
{{- if $svc.serviceAccount.name -}}
{{- $svc.serviceAccount.name -}}
{{- else if $svc.serviceAccount.create -}}
{{- include "trailwatch.serviceName" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{- define "trailwatch.image" -}}
{{- $svc := index .root.Values .name -}}
{{- $tag := $svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%s" (.root.Values.image.registry | trimSuffix "/") $svc.image.repository $tag -}}
{{- end -}}

{{/* The topic a service consumes (its replicas beyond the partitions idle), or empty for ingest. */}}
{{- define "trailwatch.consumedTopic" -}}
{{- if eq .name "detect" -}}events{{- else if or (eq .name "notify") (eq .name "remediate") -}}findings{{- end -}}
{{- end -}}

{{/* The consumer group a service reads with. */}}
{{- define "trailwatch.consumerGroup" -}}
{{- if eq .name "detect" -}}trailwatch-detect{{- else -}}{{ printf "trailwatch-%s" .name }}{{- end -}}
{{- end -}}

{{/* Fails the rendering when a service could get more replicas than its topic has partitions. */}}
{{- define "trailwatch.checkPartitions" -}}
{{- $svc := index .root.Values .name -}}
{{- $topic := include "trailwatch.consumedTopic" . -}}
{{- if $topic -}}
{{- $partitions := int (index .root.Values.topics $topic).partitions -}}
{{- $most := int $svc.replicas -}}
{{- if $svc.autoscaling.enabled -}}{{- $most = int $svc.autoscaling.maxReplicas -}}{{- end -}}
{{- if gt $most $partitions -}}
{{- fail (printf "%s: %d replicas at most, but %s has %d partitions; the extra replicas would idle. Lower %s.replicas / %s.autoscaling.maxReplicas or raise topics.%s.partitions." .name $most (index .root.Values.topics $topic).name $partitions .name .name $topic) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Kafka security properties with a prefix (kafka. for SmallRye channels, kafka-streams. for Kafka Streams). */}}
{{- define "trailwatch.kafkaSecurity" -}}
{{- $k := .root.Values.kafka -}}
{{- $p := .prefix -}}
{{- if and $k.tls.enabled $k.sasl.enabled }}
{{ $p }}security.protocol=SASL_SSL
{{- else if $k.tls.enabled }}
{{ $p }}security.protocol=SSL
{{- else if $k.sasl.enabled }}
{{ $p }}security.protocol=SASL_PLAINTEXT
{{- end }}
{{- if $k.sasl.enabled }}
{{ $p }}sasl.mechanism={{ $k.sasl.mechanism }}
{{ $p }}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="{{ $k.sasl.username }}" password="${KAFKA_SASL_PASSWORD}";
{{- end }}
{{- if and $k.tls.enabled $k.tls.caSecret.name }}
{{ $p }}ssl.truststore.type=PEM
{{ $p }}ssl.truststore.location=/etc/trailwatch/kafka-ca/{{ $k.tls.caSecret.key }}
{{- end }}
{{- end -}}

{{/* An environment variable name for a name used in values (destinations, ...). */}}
{{- define "trailwatch.envName" -}}
{{- regexReplaceAll "[^A-Z0-9]" (upper .) "_" -}}
{{- end -}}

{{/* The types of the configured notification destinations, space-separated. */}}
{{- define "trailwatch.destinationTypes" -}}
{{- $types := list -}}
{{- range $d, $dest := .Values.notifications.destinations -}}
{{- $types = append $types $dest.type -}}
{{- end -}}
{{- join " " $types -}}
{{- end -}}
