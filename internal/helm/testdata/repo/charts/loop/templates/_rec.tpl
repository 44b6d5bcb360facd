{{- define "loop.twice" -}}
{{- if lt (len .) 40 -}}
{{- include "loop.twice" (append . 1) -}}{{- include "loop.twice" (append . 1) -}}
{{- end -}}
{{- end -}}
{{- define "loop.deep" -}}
{{- include "loop.deep" . -}}
{{- end -}}
