# The story's runbook (Invoke-IncidentRunbook; docs/Invoke-IncidentRunbook.md): when a deployment
# of the sample service fails, replace its pods with fresh ones of the version that stayed (a canary
# that was aborted may have left connections and caches behind), then check the catalog's sample
# service healthy three times in a row.
@{
    Runbooks = @(
        @{
            Name   = 'sample-failed-deployment'
            Match  = @{ Service = 'sample*' }
            Steps  = @(
                @{ Name = 'restart'; Action = 'RestartDeployment'; Deployment = 'sample'; Wait = $true; TimeoutSec = 60; RateLimit = @{ Count = 3; WindowSec = 3600 } }
            )
            Verify = @{ SuccessCount = 3; IntervalSec = 1; WindowSec = 60 }
        }
    )
}
