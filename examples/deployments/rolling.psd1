# Build the sample image, push it to the registry of SAMPLE_REGISTRY (host:port), deploy it with the
# Deployment's rolling update, validate through the Service and roll back on failure.
#   $env:SAMPLE_REGISTRY = '127.0.0.1:5000'; Invoke-Deployment ./examples/deployments/rolling.psd1
@{
    Name       = 'sample'
    Namespace  = 'sample'
    Image      = @{ Context = 'sample'; Repository = '${SAMPLE_REGISTRY}/opsautomation/sample'; Tag = '${SAMPLE_VERSION:-1.0.0}' }
    Manifests  = 'manifests'
    Service    = 'sample'
    TimeoutSec = 120
    Validation = @{
        # ${SERVICE_URL}: the Service's URL as seen from here (the sandbox publishes a local port).
        # Connection: close makes each check a new connection, which the Service's round robin
        # sends to the next pod, as it spreads its users: every pod is checked, not the first one.
        HealthGates = @(@{ Name = 'sample'; Uri = '${SERVICE_URL}'; Check = @{ Headers = @{ Connection = 'close' } }; SuccessCount = 3; IntervalSec = 1; WindowSec = 30 })
    }
}
