# The service catalog of a multi-service application: Elasticsearch, Kibana, Prometheus and
# Grafana at their usual addresses (override each with ELASTICSEARCH_URL, KIBANA_URL,
# PROMETHEUS_URL, GRAFANA_URL), plus checks any machine passes.
@{
    Settings = @{
        ThrottleLimit = 16
        TimeoutSec    = 3
        RetryCount    = 1
    }
    Services = @(
        @{
            Name           = 'elasticsearch'
            Uri            = '${ELASTICSEARCH_URL:-http://localhost:9200}/_cluster/health'
            BodyPattern    = '"status"\s*:\s*"(green|yellow)"'
            # Basic auth, with the password given by reference, never in clear text:
            # Credential   = @{ UserName = 'elastic'; Password = 'env:ELASTIC_PASSWORD' }
        }
        @{
            Name = 'kibana'
            Uri  = '${KIBANA_URL:-http://localhost:5601}/api/status'
        }
        @{
            Name        = 'prometheus'
            Uri         = '${PROMETHEUS_URL:-http://localhost:9090}/-/ready'
            BodyPattern = 'Ready'
        }
        @{
            Name               = 'grafana'
            Uri                = '${GRAFANA_URL:-http://localhost:3000}/api/health'
            BodyPattern        = '"database"\s*:\s*"ok"'
            MaxResponseTimeSec = 1
        }
        @{
            Name = 'dns-localhost'
            Kind = 'Dns'
            Uri  = 'localhost'
        }
        @{
            # Served by examples/health-report.ps1 itself, so every machine has one healthy HTTP row.
            Name        = 'report-endpoint'
            Uri         = '${OPS_EXAMPLE_URL:-http://127.0.0.1:8765}/healthz'
            BodyPattern = 'ok'
        }
    )
}
