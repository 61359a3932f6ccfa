# The service catalog of a multi-service application on Kubernetes: Elasticsearch, Kibana,
# Prometheus, Grafana and Alertmanager at their usual addresses (override each with
# ELASTICSEARCH_URL, KIBANA_URL, PROMETHEUS_URL, GRAFANA_URL, ALERTMANAGER_URL), the Kubernetes
# API server and the application's workloads (from KUBECONFIG or ~/.kube/config), plus checks
# any machine passes. The reference of every key: docs/about_OpsAutomation_HealthCatalog.md.
@{
    Settings = @{
        ThrottleLimit        = 16
        TimeoutSec           = 3
        RetryCount           = 1
        HistoryRetentionDays = 30
    }

    # Every service gets these unless it sets its own.
    Defaults = @{
        Owner                     = 'platform-team'
        Severity                  = 'Warning'
        # After 5 failed runs in a row, stop probing for 5 minutes, then try once.
        CircuitBreakerThreshold   = 5
        CircuitBreakerCooldownSec = 300
    }

    Services = @(
        @{
            Name     = 'elasticsearch'
            Kind     = 'Elasticsearch'
            Uri      = '${ELASTICSEARCH_URL:-http://localhost:9200}'
            Severity = 'Critical'
            Tags     = 'data', 'search'
            # Credentials by reference, never in clear text; one of:
            # Credential = @{ UserName = 'elastic'; Password = 'env:ELASTIC_PASSWORD' }
            # ApiKey     = 'env:ELASTIC_API_KEY'
        }
        @{
            Name      = 'kibana'
            Kind      = 'Kibana'
            Uri       = '${KIBANA_URL:-http://localhost:5601}'
            Tags      = 'ui'
            # Kibana fails when Elasticsearch does: New-Incident joins its failure to Elasticsearch's incident.
            DependsOn = 'elasticsearch'
        }
        @{
            Name                = 'prometheus'
            Kind                = 'Prometheus'
            Uri                 = '${PROMETHEUS_URL:-http://localhost:9090}'
            # Degraded when more than a tenth of the scrape targets are down.
            MaxTargetsDownRatio = 0.1
            Severity            = 'Error'
        }
        @{
            Name               = 'grafana'
            Kind               = 'Grafana'
            Uri                = '${GRAFANA_URL:-http://localhost:3000}'
            MaxResponseTimeSec = 1
            Tags               = 'ui'
            DependsOn          = 'prometheus'
        }
        @{
            Name = 'alertmanager'
            Kind = 'Alertmanager'
            Uri  = '${ALERTMANAGER_URL:-http://localhost:9093}'
        }
        @{
            Name     = 'kubernetes-api'
            Kind     = 'Kubernetes'
            Severity = 'Critical'
        }
        @{
            # One result per Deployment, StatefulSet and DaemonSet of the application.
            Name             = 'shop'
            Kind             = 'KubernetesWorkload'
            Namespace        = 'shop'
            LabelSelector    = 'app.kubernetes.io/part-of=shop'
            RestartWindowMin = 30
            Severity         = 'Critical'
        }
        @{
            Name = 'dns-localhost'
            Kind = 'Dns'
            Uri  = 'localhost'
        }
        @{
            # Served by examples/health-report.ps1 itself, so every machine has one healthy HTTP row.
            Name          = 'report-endpoint'
            Uri           = '${OPS_EXAMPLE_URL:-http://127.0.0.1:8765}/healthz'
            JsonCondition = 'status == "ok"'
            HeaderPattern = @{ 'Content-Type' = '^application/json' }
        }
    )

    # Send-HealthAlert -Path ./examples/services.psd1 reads this.
    Alerting = @{
        FailureThreshold = 3
        SuccessThreshold = 2
        SendResolved     = $true
        Channels         = @(
            @{ Type = 'Alertmanager'; Uri = '${ALERTMANAGER_URL:-http://localhost:9093}' }
            # @{ Type = 'PagerDuty'; RoutingKey = 'env:PAGERDUTY_ROUTING_KEY' }
            # @{ Type = 'Slack'; Uri = 'env:SLACK_WEBHOOK_URL' }
            # @{ Type = 'Teams'; Uri = 'env:TEAMS_WEBHOOK_URL' }
        )
    }
}
