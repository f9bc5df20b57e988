{{/* The chart's name. */}}
{{- define "cohort.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name when it already contains the chart's. */}}
{{- define "cohort.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selector labels; include with (dict "ctx" $ "component" "serve"). */}}
{{- define "cohort.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cohort.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with get . "component" }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* All labels; include with (dict "ctx" $ "component" "serve"). */}}
{{- define "cohort.labels" -}}
{{ include "cohort.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cohort.secretName" -}}
{{- default (include "cohort.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "cohort.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "cohort.sqlite" -}}
{{- if .Values.database.sqlite.enabled }}true{{ end }}
{{- end }}

{{/* The ConfigMap's data: segments.yaml and macros.NAME.yaml, from values or the chart's files. */}}
{{- define "cohort.configData" -}}
{{- $data := dict "segments.yaml" (default (.Files.Get "files/segments.yaml") .Values.config.segments) }}
{{- if .Values.config.macros }}
{{- range $name, $content := .Values.config.macros }}
{{- if not (regexMatch "^[-._a-zA-Z0-9]+\\.ya?ml$" $name) }}
{{- fail (printf "config.macros: %q: want a file name such as vip.yaml" $name) }}
{{- end }}
{{- $_ := set $data (printf "macros.%s" $name) $content }}
{{- end }}
{{- else }}
{{- range $path, $_ := .Files.Glob "files/macros/*.yaml" }}
{{- $_ := set $data (printf "macros.%s" (base $path)) ($.Files.Get $path) }}
{{- end }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/*
The pod spec both Deployments share; include with
(dict "ctx" $ "component" "serve" "args" (list "serve") "values" .Values.serve "preStop" 5).
*/}}
{{- define "cohort.podSpec" -}}
{{- $ctx := .ctx }}
{{- $v := $ctx.Values }}
{{- $secret := include "cohort.secretName" $ctx }}
{{- $sqlite := include "cohort.sqlite" $ctx }}
{{- range $name, $_ := $v.env }}
{{- if or (regexMatch "_(TOKEN|SECRET|PASSWORD)$" $name) (eq $name "COHORT_DATABASE_URL") }}
{{- fail (printf "env.%s: secrets go in the Secret %q (existingSecret), never in values" $name $secret) }}
{{- end }}
{{- if not (hasPrefix "COHORT_" $name) }}
{{- fail (printf "env.%s: cohort reads only COHORT_* variables" $name) }}
{{- end }}
{{- if has $name (list "COHORT_LISTEN_ADDR" "COHORT_METRICS_ADDR" "COHORT_SHUTDOWN_TIMEOUT" "COHORT_SEGMENTS_FILE" "COHORT_MACROS_DIR") }}
{{- fail (printf "env.%s: the chart sets it, for the probes, ports, grace period and mounts (COHORT_SHUTDOWN_TIMEOUT: set shutdownTimeoutSeconds)" $name) }}
{{- end }}
{{- end }}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: {{ add .preStop $v.shutdownTimeoutSeconds $v.terminationMarginSeconds | int }}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  fsGroup: 65532
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if eq .component "serve" }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "cohort.selectorLabels" . | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
{{- end }}
containers:
  - name: cohort
    image: {{ include "cohort.image" $ctx }}
    imagePullPolicy: {{ $v.image.pullPolicy }}
    args: {{ toJson .args }}
    envFrom:
      - secretRef:
          name: {{ $secret }}
    env:
      - name: COHORT_DATABASE_URL
      {{- if $sqlite }}
        value: sqlite:/data/cohort.db
      {{- else }}
        valueFrom:
          secretKeyRef:
            name: {{ $secret }}
            key: COHORT_DATABASE_URL
      {{- end }}
      {{- if eq .component "serve" }}
      - name: COHORT_LISTEN_ADDR
        value: ":8080"
      {{- end }}
      - name: COHORT_METRICS_ADDR
        value: ":9090"
      - name: COHORT_SHUTDOWN_TIMEOUT
        value: {{ printf "%ds" (int $v.shutdownTimeoutSeconds) | quote }}
      - name: COHORT_SEGMENTS_FILE
        value: /etc/cohort/segments.yaml
      - name: COHORT_MACROS_DIR
        value: /etc/cohort/macros
      {{- range $name, $value := $v.env }}
      - name: {{ $name }}
        value: {{ $value | toString | quote }}
      {{- end }}
    ports:
      {{- if eq .component "serve" }}
      - name: http
        containerPort: 8080
        protocol: TCP
      {{- end }}
      - name: metrics
        containerPort: 9090
        protocol: TCP
    {{- $probePort := ternary "http" "metrics" (eq .component "serve") }}
    startupProbe:
      httpGet:
        path: /healthz
        port: {{ $probePort }}
      periodSeconds: 2
      failureThreshold: 60
    livenessProbe:
      httpGet:
        path: /healthz
        port: {{ $probePort }}
      periodSeconds: 10
      timeoutSeconds: 2
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: {{ $probePort }}
      {{- if eq .component "serve" }}
      periodSeconds: 5
      timeoutSeconds: 2
      failureThreshold: 2
      {{- else }}
      periodSeconds: 10
      timeoutSeconds: 2
      failureThreshold: 3
      {{- end }}
    {{- if .preStop }}
    lifecycle:
      preStop:
        sleep:
          seconds: {{ int .preStop }}
    {{- end }}
    resources:
      {{- toYaml .values.resources | nindent 6 }}
    securityContext:
      runAsNonRoot: true
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: ["ALL"]
    volumeMounts:
      {{- if $sqlite }}
      - name: data
        mountPath: /data
      {{- end }}
      - name: config
        mountPath: /etc/cohort
        readOnly: true
      - name: tmp
        mountPath: /tmp
volumes:
  {{- if $sqlite }}
  - name: data
    persistentVolumeClaim:
      claimName: {{ default (printf "%s-data" (include "cohort.fullname" $ctx)) $v.database.sqlite.persistence.existingClaim }}
  {{- end }}
  - name: config
    configMap:
      name: {{ include "cohort.fullname" $ctx }}-config
      items:
        - key: segments.yaml
          path: segments.yaml
        {{- range $key, $_ := include "cohort.configData" $ctx | fromYaml }}
        {{- if hasPrefix "macros." $key }}
        - key: {{ $key }}
          path: macros/{{ trimPrefix "macros." $key }}
        {{- end }}
        {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end }}
