# The sample service by blue-green: the new version on the idle color, validated through
# sample-preview, then the sample Service switched to it; switched back if live traffic fails.
@{
    Name       = 'sample'
    Namespace  = 'sample'
    Image      = @{ Context = 'sample'; Repository = '${SAMPLE_REGISTRY}/opsautomation/sample'; Tag = '${SAMPLE_VERSION:-1.0.0}' }
    Manifests  = 'manifests'
    Service    = 'sample'
    Strategy   = @{ Type = 'BlueGreen'; ScaleDownDelaySec = 10 }
    TimeoutSec = 120
    Validation = @{
        HealthGates = @(@{ Name = 'sample'; Uri = '${SERVICE_URL}'; Check = @{ Headers = @{ Connection = 'close' } }; SuccessCount = 3; IntervalSec = 1; WindowSec = 30 })
    }
}
