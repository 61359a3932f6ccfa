#Requires -Version 7.4
# The pipelines a person writes across the capabilities (issue 14), end to end with real cmdlets and
# no glue between them: parameters bind by property name. One sandbox and one deployed sample
# (version 1.0.0 Succeeded, then 1.0.1 failing its validation and RolledBack) serve every Describe.
# The Describes run in file order and tell one story: the deployment is checked and judged, other
# signals open incidents, then the sample is scaled to 0 (an outage) that health checks, a
# Prometheus rule and a health alert report, escalation pages, a runbook repairs, and diagnostics
# and a post-mortem record. ./build.ps1 Test starts Prometheus (scraping the sandbox's pods through
# its file_sd folder) and Alertmanager.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    foreach ($variable in 'OPS_TEST_PROMETHEUS_URL', 'OPS_TEST_PROMETHEUS_SD_DIR', 'OPS_TEST_ALERTMANAGER_URL') {
        if (-not [Environment]::GetEnvironmentVariable($variable)) { throw "Needs ${variable}: ./build.ps1 Test starts the service and sets it." }
    }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Saved = @{ OPS_STATE_PATH = $env:OPS_STATE_PATH; KUBECONFIG = $env:KUBECONFIG }
    $script:Sandbox = Start-TestSandbox -Argument '--pod-start-seconds', '0', '--prometheus-sd-file', (Join-Path $env:OPS_TEST_PROMETHEUS_SD_DIR "compositions-$PID.json")
    $env:KUBECONFIG = $Sandbox.Kubeconfig
    # One state store: deployment records, health history and incidents meet there (suspects come from it).
    $env:OPS_STATE_PATH = Join-Path $TestDrive 'state'
    $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL.TrimEnd('/')
    $script:Alertmanager = $env:OPS_TEST_ALERTMANAGER_URL.TrimEnd('/')
    $script:Ns = 'compositions'
    $script:Manifests = Join-Path $PSScriptRoot '..' '..' 'examples' 'deployments' 'manifests'

    function Deploy([string] $Version, [double] $ErrorRate, [hashtable] $Cluster = @{}) {
        Invoke-Deployment -Name sample -Namespace $Ns -Manifest $Manifests -Service sample -Image "sample:$Version" `
            -Variable @{ VERSION = $Version; ERROR_RATE = "$ErrorRate" } -TimeoutSec 120 -ErrorAction SilentlyContinue @Cluster
    }

    function Wait-Until([scriptblock] $Condition, [string] $What, [int] $Seconds = 90) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Waited $Seconds s for $What." }
            Start-Sleep -Milliseconds 500
        }
    }

    function Get-PromResult([string] $Query) { (Invoke-RestMethod "$Prometheus/api/v1/query?query=$([uri]::EscapeDataString($Query))").data.result }

    # The outage: no pod behind the Service, so its connections are reset; Prometheus sees the targets go.
    function Stop-Sample {
        & kubectl scale deployment sample -n $Ns --replicas=0 | Out-Null
        Wait-Until { -not (& kubectl get pods -n $Ns -l app=sample -o name) } 'the sample pods to go'
    }

    $script:Good = Deploy 1.0.0 0
    if ($Good.Outcome -ne 'Succeeded') { throw "The good version did not deploy: $($Good.Outcome): $($Good.Reason)" }
    $script:Bad = Deploy 1.0.1 1
    if ($Bad.Outcome -ne 'RolledBack') { throw "The failing version was not rolled back: $($Bad.Outcome): $($Bad.Reason)" }

    # The outage's remedy: the Deployment of the incident's service scaled back, then its URL verified.
    $script:Runbooks = Join-Path $TestDrive 'runbooks.psd1'
    Set-Content $Runbooks @"
@{
    Runbooks = @(
        @{
            Name   = 'scaled-down'
            Match  = @{ Fingerprint = 'health:*' }
            Steps  = @( @{ Name = 'scale'; Action = 'ScaleDeployment'; Deployment = '`${Service}'; Replicas = 3 } )
            Verify = @{ Uri = '$($Good.Uri[0])'; SuccessCount = 2; IntervalSec = 0.5; WindowSec = 90; FailureLimit = 1000 }
        }
    )
}
"@
}

AfterAll {
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
    foreach ($name in $Saved.Keys) { if ($Saved[$name]) { Set-Item "env:$name" $Saved[$name] } else { Remove-Item "env:$name" -ErrorAction Ignore } }
}

Describe 'Invoke-Deployment | Test-ServiceHealth' {
    It 'checks the deployed Service at its URL, under the Deployment''s name' {
        $result = $Good | Test-ServiceHealth

        $result | Should -BeOfType ([OpsAutomation.Models.Health.HealthCheckResult])
        $result.Name | Should -Be 'sample'
        $result.Target | Should -Be $Good.Uri[0]
        $result.Status | Should -Be Healthy
    }

    It 'checks the restored version after a rollback' {
        $result = $Bad | Test-ServiceHealth

        $result.Target | Should -Be $Bad.Uri[0]
        $result.Status | Should -Be Healthy
    }
}

Describe 'Invoke-Deployment | Wait-DeploymentRollout, Test-Deployment, Get-DeploymentHistory' {
    It 'waits for the rollout of the deployed Deployment by its Name and Namespace' {
        $rollout = $Good | Wait-DeploymentRollout -TimeoutSec 60

        $rollout | Should -BeOfType ([OpsAutomation.Models.Deployment.RolloutResult])
        $rollout.Name | Should -Be 'sample'
        $rollout.Namespace | Should -Be $Ns
        $rollout.Succeeded | Should -BeTrue
    }

    It 'validates the deployed Service by its Uri' {
        $validation = $Good | Test-Deployment -SuccessCount 2 -IntervalSec 0.2 -NoHistory

        $validation | Should -BeOfType ([OpsAutomation.Models.Deployment.DeploymentValidation])
        $validation.Outcome | Should -Be Passed
        @($validation.Evaluations).Query | Select-Object -Unique | Should -Be $Good.Uri[0]
    }

    It 'lists the revisions and the runs of the deployed Deployment' {
        $revisions = @($Good | Get-DeploymentHistory)
        $runs = @($Good | Get-DeploymentHistory -Run)

        $revisions.Count | Should -BeGreaterOrEqual 2
        $revisions | ForEach-Object { $_.Namespace | Should -Be $Ns }
        $runs.Id | Should -Contain $Good.Id
        $runs.Id | Should -Contain $Bad.Id
    }
}

Describe 'Invoke-Deployment (rolled back) | New-Incident' {
    It 'opens an incident for the Deployment naming the rolled-back run as a suspect' {
        $incident = $Bad | New-Incident

        $incident | Should -BeOfType ([OpsAutomation.Models.Incidents.Incident])
        $incident.State | Should -Be Triggered
        $incident.Service | Should -Be 'sample'
        $incident.Fingerprint | Should -Be "deployment:$Ns/sample"
        $incident.Signals[0].Kind | Should -Be Deployment
        $incident.Signals[0].Details['DeploymentId'] | Should -Be $Bad.Id
        $incident.Suspects | Where-Object { $_ -like "$($Bad.Id):*" } | Should -Not -BeNullOrEmpty
    }

    It 'opens nothing for a deployment that succeeded' {
        $Good | New-Incident -StatePath (Join-Path $TestDrive 'fresh') | Should -BeNullOrEmpty
    }
}

Describe 'Start-DataPipeline (failed) | New-Incident' {
    It 'opens an incident for the pipeline with the run''s error' {
        Set-Content TestDrive:/orders-import.psd1 "@{ Name = 'orders-import'; Source = @{ Type = 'Csv'; Path = 'nowhere.csv' }; Sink = @{ Type = 'Csv'; Path = 'out.csv' } }"

        $incident = Start-DataPipeline TestDrive:/orders-import.psd1 -ErrorAction SilentlyContinue -OutVariable run | New-Incident

        $incident.Service | Should -Be 'orders-import'
        $incident.Fingerprint | Should -Be 'pipeline:orders-import'
        $incident.Severity | Should -Be Error
        $incident.Signals[0].Kind | Should -Be Pipeline
        $incident.Signals[0].Summary | Should -BeLike '*Failed*nowhere.csv*'
        $incident.Signals[0].RunId | Should -Be $run[0].RunId
    }
}

Describe 'Find-MetricAnomaly | New-Incident' {
    It 'opens an incident for the service the series is labelled with, naming its recent deployments' {
        $labels = [System.Collections.Generic.Dictionary[string, string]]::new()
        $labels['service'] = 'sample'
        $origin = [DateTimeOffset]::UtcNow.AddMinutes(-300)
        $random = [Random]::new(7)
        $samples = for ($i = 0; $i -lt 300; $i++) {
            $value = 100 + ($random.NextDouble() * 2 - 1) + ($i -ge 290 ? 20 : 0)
            [OpsAutomation.Models.Metrics.MetricSample]@{ Name = 'sample_latency'; Family = 'sample_latency'; Labels = $labels; Value = $value; Timestamp = $origin.AddMinutes($i) }
        }

        $incident = $samples | Find-MetricAnomaly | New-Incident

        $incident.Service | Should -Be 'sample'
        $incident.Fingerprint | Should -BeLike 'anomaly:sample_latency*'
        $incident.Signals[0].Kind | Should -Be Anomaly
        $incident.Suspects | Where-Object { $_ -like "$($Good.Id):*" } | Should -Not -BeNullOrEmpty
    }
}

Describe 'Test-ServiceHealth | New-Incident (the sample scaled to 0)' {
    BeforeAll {
        # Prometheus has scraped the pods before they go, so the rule below sees them go.
        Wait-Until { Get-PromResult "up{namespace=`"$Ns`",app=`"sample`"}" } 'Prometheus to scrape the sample pods'
        Stop-Sample
    }

    It 'opens an incident for the deployed service, with its URL and its recent deployments as suspects' {
        $incident = $Good | Test-ServiceHealth | New-Incident

        $incident.State | Should -Be Triggered
        $incident.Service | Should -Be 'sample'
        $incident.Fingerprint | Should -Be 'health:sample'
        $incident.Signals[0].Kind | Should -Be Health
        $incident.Signals[0].Details['Target'] | Should -Be $Good.Uri[0]
        $incident.Signals[0].Details['Status'] | Should -BeIn Unhealthy, Unreachable
        foreach ($id in $Good.Id, $Bad.Id) { $incident.Suspects | Where-Object { $_ -like "${id}:*" } | Should -Not -BeNullOrEmpty }
    }
}

Describe 'Invoke-PrometheusRule | New-Incident' {
    It 'opens an incident from the firing alert, for the service its labels name' {
        $name = 'SampleDown' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Set-Content TestDrive:/rules.yml @"
groups:
  - name: compositions
    rules:
      - alert: $name
        expr: absent(up{namespace="$Ns",app="sample"})
        labels: { severity: critical }
        annotations: { summary: 'no {{ `$labels.app }} pod is scraped in {{ `$labels.namespace }}' }
"@
        Wait-Until { Get-PromResult "absent(up{namespace=`"$Ns`",app=`"sample`"})" } 'Prometheus to see the sample pods go'

        $incident = Invoke-PrometheusRule TestDrive:/rules.yml -PrometheusUri $Prometheus | New-Incident

        $incident.Service | Should -Be 'sample'
        $incident.Severity | Should -Be Critical
        $incident.Fingerprint | Should -Be "rule:$name{app=`"sample`",namespace=`"$Ns`",severity=`"critical`"}"
        $incident.Signals[0].Kind | Should -Be RuleAlert
        $incident.Signals[0].Summary | Should -Be "$name firing: no sample pod is scraped in $Ns"
        $incident.Suspects | Where-Object { $_ -like "$($Bad.Id):*" } | Should -Not -BeNullOrEmpty
    }
}

Describe 'Send-HealthAlert | New-Incident' {
    It 'joins the firing alert to the open incident of the service' {
        $open = Get-Incident -Service sample -State Triggered | Where-Object Fingerprint -EQ 'health:sample'

        $alert = $Good | Test-ServiceHealth | Send-HealthAlert -AlertmanagerUri $Alertmanager -FailureThreshold 1
        $incident = $alert | New-Incident

        $alert.State | Should -Be Firing
        $incident.Id | Should -Be $open.Id
        $incident.Signals.Kind | Should -Contain HealthAlert
    }
}

Describe 'New-Incident | Invoke-IncidentEscalation' {
    It 'pages the first level for the incident the health check opened' {
        $policy = 'compositions-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Set-Content TestDrive:/escalation.psd1 "@{ Policies = @( @{ Name = '$policy'; Service = 'sample'; Levels = @( @{ Delay = '0s'; Channels = @( @{ Type = 'Alertmanager'; Uri = '$Alertmanager' } ) } ) } ) }"

        $escalation = $Good | Test-ServiceHealth | New-Incident | Invoke-IncidentEscalation -Path TestDrive:/escalation.psd1

        $escalation | Should -BeOfType ([OpsAutomation.Models.Incidents.EscalationResult])
        $escalation.Service | Should -Be 'sample'
        $escalation.Policy | Should -Be $policy
        $escalation.LevelAfter | Should -Be 1
        $escalation.Failed | Should -BeNullOrEmpty
        $filter = [uri]::EscapeDataString("policy=`"$policy`"")
        $paged = Invoke-RestMethod "$Alertmanager/api/v2/alerts?filter=$filter"
        @($paged | Where-Object { $_ }).labels.incident | Should -Be $escalation.Id
    }
}

Describe 'Get-Incident -State Triggered | Invoke-IncidentRunbook' {
    It 'runs the matching runbook for the triggered incidents: scales the sample back and verifies it' {
        $health = Get-Incident -Service sample -State Triggered | Where-Object Fingerprint -EQ 'health:sample'

        $runs = @(Get-Incident -State Triggered | Invoke-IncidentRunbook -Path $Runbooks -Namespace $Ns)

        $runs | Should -HaveCount 1
        $runs[0].IncidentId | Should -Be $health.Id
        $runs[0].Steps[0].Outcome | Should -Be Succeeded
        $runs[0].Verified | Should -BeTrue
        ($Good | Test-ServiceHealth).Status | Should -Be Healthy
    }
}

Describe 'Get-Incident | Save-IncidentDiagnostics | Export-IncidentPostmortem' {
    It 'attaches a bundle to the incident and writes its post-mortem, by the incident''s id all the way' {
        $incident = Get-Incident -Service sample | Where-Object Fingerprint -EQ 'health:sample'

        $bundle = $incident | Save-IncidentDiagnostics -Namespace $Ns -OutputPath (Join-Path $TestDrive 'bundles') -WarningAction SilentlyContinue
        $written = @($bundle | Export-IncidentPostmortem -OutputPath (Join-Path $TestDrive 'postmortems') -Format Markdown)

        $bundle.IncidentId | Should -Be $incident.Id
        $bundle.Attached | Should -BeTrue
        ($bundle.Sources | Where-Object Name -EQ 'pod-status').Status | Should -Be Succeeded
        $written | Should -HaveCount 1
        $written[0].IncidentId | Should -Be $incident.Id
        Get-Content $written[0].Path -Raw | Should -Match ([regex]::Escape($bundle.Path))
    }

    It 'writes the post-mortems of the incidents Get-Incident lists' {
        $incidents = @(Get-Incident -Service sample)

        $written = @($incidents | Export-IncidentPostmortem -OutputPath (Join-Path $TestDrive 'all') -Format Markdown)

        $written.IncidentId | Sort-Object | Should -Be ($incidents.Id | Sort-Object)
    }
}

Describe 'Invoke-IncidentRunbook | Save-IncidentDiagnostics, Update-Incident, Get-Incident' {
    BeforeAll {
        $script:Incident = Get-Incident -Service sample -State Triggered | Where-Object Fingerprint -EQ 'health:sample'
        $script:Run = $Incident | Invoke-IncidentRunbook -Path $Runbooks -Namespace $Ns
    }

    It 'diagnoses the incident of the run by its IncidentId' {
        $bundle = $Run | Save-IncidentDiagnostics -Namespace $Ns -OutputPath (Join-Path $TestDrive 'after-runbook') -WarningAction SilentlyContinue

        $bundle.IncidentId | Should -Be $Incident.Id
        $bundle.Attached | Should -BeTrue
    }

    It 'marks the repaired incident, and shows it, by the run''s IncidentId' {
        $updated = $Run | Update-Incident -State Mitigated -Note 'scaled back by the runbook' -PassThru

        $updated.Id | Should -Be $Incident.Id
        $updated.State | Should -Be Mitigated
        ($Run | Get-Incident).State | Should -Be Mitigated
    }
}

Describe 'Invoke-Deployment | Undo-Deployment' {
    It 'undoes the deployment just made on the cluster it went to: the same Deployment goes back to the version before' {
        # KUBECONFIG names no cluster here: only the result's Kubeconfig can take the undo to the sandbox.
        $kubeconfig = $env:KUBECONFIG
        $env:KUBECONFIG = Join-Path $TestDrive 'no-such-kubeconfig'
        try {
            $undo = Deploy 1.0.2 0 @{ Kubeconfig = $kubeconfig; Context = 'sandbox' } | Undo-Deployment -Wait -TimeoutSec 60 -Confirm:$false
        }
        finally { $env:KUBECONFIG = $kubeconfig }

        $undo | Should -BeOfType ([OpsAutomation.Models.Deployment.DeploymentUndoResult])
        $undo.Name | Should -Be 'sample'
        $undo.Namespace | Should -Be $Ns
        $undo.Outcome | Should -Be RolledBack
        $undo.Rollout.Succeeded | Should -BeTrue
        (kubectl get deployment sample -n $Ns -o json | ConvertFrom-Json).spec.template.metadata.labels.version | Should -Be '1.0.0'
    }
}
