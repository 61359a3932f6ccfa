# Runbooks for Invoke-IncidentRunbook (docs/Invoke-IncidentRunbook.md). The first runbook whose
# Match holds for an incident runs. ${Service}, ${IncidentId}, ${Severity}, ${Fingerprint} and
# ${Namespace} are the incident's values; other ${NAME} are environment variables.
@{
    Runbooks = @(
        @{
            # A service whose pods crash: restart once, and if restarts keep not helping (the rate
            # limit stops the third within the hour), roll back to the last good revision.
            Name  = 'crashing-workload'
            Match = @{ Service = 'web*'; Severity = 'Error' }
            Steps = @(
                @{
                    Name       = 'restart'
                    Action     = 'RestartDeployment'
                    Deployment = '${Service}'
                    Wait       = $false
                    RateLimit  = @{ Count = 2; WindowSec = 3600 }
                }
                @{
                    Name            = 'rollback'
                    Action          = 'RollbackDeployment'
                    Deployment      = '${Service}'
                    TimeoutSec      = 120
                    # Only when the restart was not allowed again (it already failed to help).
                    Condition       = 'previous.outcome == "RateLimited"'
                    ContinueOnError = $true
                }
            )
            # The incident's service in -CatalogPath, healthy 3 times in a row, 5 s apart.
            Verify = @{ SuccessCount = 3; IntervalSec = 5; WindowSec = 120 }
        }
        @{
            # A full disk on a host: clean old logs, tell the automation service, re-check.
            Name  = 'disk-full'
            Match = @{ Fingerprint = 'health:*-disk' }
            Steps = @(
                @{ Name = 'clean'; Action = 'CleanDirectory'; Path = '/var/log/app'; Pattern = '*.log.*'; OlderThanSec = 86400; Recurse = $true; MaxFiles = 500 }
                @{
                    Name    = 'notify'
                    Action  = 'Webhook'
                    Uri     = 'https://automation.example.com/hooks/disk'
                    Headers = @{ Authorization = 'env:AUTOMATION_TOKEN' }
                    Body    = @{ host = '${Service}' }
                }
            )
        }
    )
}
