{{/* Labels every object of the release carries. */}}
{{- define "baton.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: baton
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/*
The operator pods' selector. The drivers' NetworkPolicy admits pods labelled
app.kubernetes.io/name=baton-operator in the operator's namespace: keep that label.
*/}}
{{- define "baton.operatorSelector" -}}
app.kubernetes.io/name: baton-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "baton.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default "baton-operator" .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name: name the existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "baton.operatorImage" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) -}}
{{- end -}}

{{- define "baton.gatewayImage" -}}
{{- printf "%s:%s" .Values.gateway.image.repository (default .Chart.AppVersion .Values.gateway.image.tag) -}}
{{- end -}}

{{- define "baton.sparkPluginImage" -}}
{{- printf "%s:%s" .Values.sparkPlugin.image.repository (default .Chart.AppVersion .Values.sparkPlugin.image.tag) -}}
{{- end -}}

{{/*
What the operator does inside the namespaces it manages. Bound cluster-wide when
watchNamespaces is empty, else by a RoleBinding in each listed namespace.
*/}}
{{- define "baton.operatorNamespacedRules" -}}
- apiGroups: ["baton.dev"]
  resources: ["driverpools", "clientsessions"]
  verbs: ["get", "list", "watch", "update", "patch"]
# Sessions opened through a gateway have no other owner: the operator deletes them once closed.
- apiGroups: ["baton.dev"]
  resources: ["clientsessions"]
  verbs: ["delete"]
- apiGroups: ["baton.dev"]
  resources: ["driverpools/status", "clientsessions/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["baton.dev"]
  resources: ["driverpools/finalizers", "clientsessions/finalizers"]
  verbs: ["update"]
# Each pool's token Secrets (created once, rewritten by a token rotation) and, for the gateway, its
# static token Secret. The admission policy baton-operator-writes.baton.dev lets the operator
# change only Secrets labelled as its own.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "update", "patch"]
# The gateway of each pool: its Deployment, ServiceAccount and bindings.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Each pool's driver revisions, stored as StatefulSets store theirs.
- apiGroups: ["apps"]
  resources: ["controllerrevisions"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["get", "create", "update", "patch", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "create", "update", "patch", "delete"]
# A gateway's RoleBinding to ClusterRole baton-gateway, and a Spark pool's to baton-spark-driver
# (executors as pods), need `bind` on them, not their permissions.
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
  resourceNames: ["baton-gateway", "baton-spark-driver"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end -}}
