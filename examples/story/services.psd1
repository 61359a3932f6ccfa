# The catalog of the story's stack (examples/story/Invoke-OpsStory.ps1): the sample service on
# Kubernetes and everything around it. The story sets the URLs' variables from its parameters, as
# you would in your profile; docs/about_OpsAutomation_HealthCatalog.md describes every key.
@{
    Settings = @{ ThrottleLimit = 16; TimeoutSec = 3; RetryCount = 1 }
    Defaults = @{ Owner = 'platform-team'; Severity = 'Warning' }

    Services = @(
        @{ Name = 'elasticsearch'; Kind = 'Elasticsearch'; Uri = '${ELASTICSEARCH_URL}'; Severity = 'Critical'; Tags = 'data' }
        @{ Name = 'kibana'; Kind = 'Kibana'; Uri = '${KIBANA_URL}'; DependsOn = 'elasticsearch'; Tags = 'ui' }
        # Degraded when more than a third of its scrape targets are down.
        @{ Name = 'prometheus'; Kind = 'Prometheus'; Uri = '${PROMETHEUS_URL}'; MaxTargetsDownRatio = 0.34; Severity = 'Error' }
        @{ Name = 'grafana'; Kind = 'Grafana'; Uri = '${GRAFANA_URL}'; DependsOn = 'prometheus'; Tags = 'ui' }
        @{ Name = 'alertmanager'; Kind = 'Alertmanager'; Uri = '${ALERTMANAGER_URL}' }
        @{ Name = 'pushgateway'; Kind = 'Pushgateway'; Uri = '${PUSHGATEWAY_URL}' }
        # The cluster (from KUBECONFIG), and the sample service's Deployments in it.
        @{ Name = 'kubernetes-api'; Kind = 'Kubernetes'; Severity = 'Critical' }
        @{ Name = 'sample'; Kind = 'KubernetesWorkload'; Namespace = 'shop'; LabelSelector = 'app=sample'; Severity = 'Error'; DependsOn = 'kubernetes-api' }
        # What its users see: the Service's page, and the module's own /metrics that Prometheus scrapes.
        @{ Name = 'sample-http'; Uri = '${SAMPLE_URL}'; Severity = 'Error'; DependsOn = 'sample' }
        @{ Name = 'opsautomation-metrics'; Uri = '${OPS_METRICS_URL}'; BodyPattern = '(?m)^node_' }
    )
}
