{{/* The services, in the order they are rendered. */}}
{{- define "trailwatch.services" -}}
ingest detect notify remediate console
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
{{- $id := include "trailwatch.kafkaIdentity" (dict "root" .root "name" .name) | fromJson -}}
{{- $tls := or $k.tls.enabled (eq $id.mode "tls") -}}
{{- if and $tls (eq $id.mode "scram") }}
{{ $p }}security.protocol=SASL_SSL
{{- else if $tls }}
{{ $p }}security.protocol=SSL
{{- else if eq $id.mode "scram" }}
{{ $p }}security.protocol=SASL_PLAINTEXT
{{- end }}
{{- if eq $id.mode "scram" }}
{{ $p }}sasl.mechanism={{ $id.mechanism }}
{{ $p }}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="{{ $id.username }}" password="${KAFKA_SASL_PASSWORD}";
{{- end }}
{{- if eq $id.mode "tls" }}
{{ $p }}ssl.keystore.type=PKCS12
{{ $p }}ssl.keystore.location=/etc/trailwatch/kafka-user/{{ $id.keystoreKey }}
{{ $p }}ssl.keystore.password=${KAFKA_KEYSTORE_PASSWORD}
{{- end }}
{{- if and $tls $k.tls.caSecret.name }}
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

{{/*
The Kafka identity a service connects as, as JSON: mode none, scram (username, secret and key of its password) or
tls (a client certificate: secret, keystoreKey and passwordKey of a PKCS#12 keystore, as Strimzi's KafkaUser Secrets
hold it). In order: the service's own Strimzi KafkaUser (strimzi.users.enabled), the service's own identity in values
(<service>.kafka), the shared SASL identity (kafka.sasl), none.
*/}}
{{- define "trailwatch.kafkaIdentity" -}}
{{- $root := .root -}}
{{- $k := $root.Values.kafka -}}
{{- $own := (index $root.Values .name).kafka | default dict -}}
{{- if $root.Values.strimzi.users.enabled -}}
{{- $user := include "trailwatch.serviceName" . -}}
{{- if eq $root.Values.strimzi.users.authentication "tls" -}}
{{- dict "mode" "tls" "username" $user "secret" $user "keystoreKey" "user.p12" "passwordKey" "user.password" | toJson -}}
{{- else -}}
{{- dict "mode" "scram" "username" $user "secret" $user "key" "password" "mechanism" "SCRAM-SHA-512" | toJson -}}
{{- end -}}
{{- else if and $own.tlsSecret $own.tlsSecret.name -}}
{{- dict "mode" "tls" "username" "" "secret" $own.tlsSecret.name "keystoreKey" ($own.tlsSecret.keystoreKey | default "user.p12") "passwordKey" ($own.tlsSecret.passwordKey | default "user.password") | toJson -}}
{{- else if $own.username -}}
{{- dict "mode" "scram" "username" $own.username "secret" (required (printf "%s.kafka.passwordSecret.name is required with %s.kafka.username" .name .name) $own.passwordSecret.name) "key" ($own.passwordSecret.key | default "password") "mechanism" $k.sasl.mechanism | toJson -}}
{{- else if $k.sasl.enabled -}}
{{- dict "mode" "scram" "username" $k.sasl.username "secret" (required "kafka.sasl.passwordSecret.name is required with SASL" $k.sasl.passwordSecret.name) "key" $k.sasl.passwordSecret.key "mechanism" $k.sasl.mechanism | toJson -}}
{{- else -}}
{{- dict "mode" "none" | toJson -}}
{{- end -}}
{{- end -}}
