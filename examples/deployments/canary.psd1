# The sample service by canary: 1 pod of the new version beside the stable ones, checked, then
# half, checked again, then promoted; a failed check aborts it and stable is untouched.
@{
    Name       = 'sample'
    Namespace  = 'sample'
    Image      = @{ Context = 'sample'; Repository = '${SAMPLE_REGISTRY}/opsautomation/sample'; Tag = '${SAMPLE_VERSION:-1.0.0}' }
    Manifests  = 'manifests'
    Service    = 'sample'
    Strategy   = @{
        Type  = 'Canary'
        Steps = @(@{ SetWeight = 25 }, @{ Analysis = $true }, @{ SetWeight = 50 }, @{ PauseSec = 5 }, @{ Analysis = $true })
    }
    TimeoutSec = 120
    Validation = @{
        HealthGates = @(@{ Name = 'sample'; Uri = '${SERVICE_URL}'; Check = @{ Headers = @{ Connection = 'close' } }; SuccessCount = 8; IntervalSec = 0.5; WindowSec = 30 })
    }
}
