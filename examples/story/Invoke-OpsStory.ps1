#Requires -Version 7.4
#Requires -Modules OpsAutomation

<#
.SYNOPSIS
    A day of operations on the sample service, told through every capability of OpsAutomation.
.DESCRIPTION
    The main job's story (`./build.ps1 Run` starts a local stack and runs it). Each step is what a
    person would script with the module's cmdlets and prints a line or two of what happened:
      1. Deploy the sample service: build and push its image, apply its manifests, roll it out,
         validate it through its Service.
      2. Serve the module's /metrics (Prometheus scrapes it, and the sample's pods) and check the
         health of the whole stack.
      3. Load the day's orders, some of them bad: the bad ones wait in the dead-letter queue; the
         run leaves OpenLineage events and metrics (pushed to the Pushgateway too).
      4. Deploy a bad version by canary: its error ratio in Prometheus fails the analysis, and the
         canary is aborted with stable untouched.
      5. Respond: an incident opens from the failed deployment, diagnostics are collected, the
         runbook replaces the pods and verifies the service, Alertmanager is paged, and the
         post-mortem draft is written.
      6. Evaluate the alert rules (the example's and the story's) over the module's own metrics
         and against Prometheus, which sends what fires to Alertmanager.
      7. Write the landing page that links everything of the run.
    Like a profile, it points the session at the stack: it sets KUBECONFIG, OPS_STATE_PATH,
    DOCKER_HOST (with -DockerHost) and the URLs the story's catalog, runbook and escalation policy
    read (PROMETHEUS_URL, ALERTMANAGER_URL, PUSHGATEWAY_URL, ELASTICSEARCH_URL, KIBANA_URL,
    GRAFANA_URL, OPS_METRICS_URL, SAMPLE_URL).
    Everything goes to -StatePath (the state store) and -OutputPath (pages, post-mortems,
    diagnostics, the pipeline's database and lineage). It writes one summary object, also when a
    step fails (then with the steps done so far), and the failure after it.
.PARAMETER Kubeconfig
    The cluster to deploy to: a kubeconfig file (`./build.ps1 Sandbox` prints one).
.PARAMETER PrometheusUri
    The Prometheus that scrapes -MetricsPort and the sample's pods (the canary's metric gate queries it).
.PARAMETER AlertmanagerUri
    The Alertmanager that incidents are escalated to and firing rules are sent to.
.PARAMETER PushgatewayUri
    The Pushgateway the pipeline's metrics are pushed to.
.PARAMETER ElasticsearchUri
    Elasticsearch, checked with the rest of the stack.
.PARAMETER KibanaUri
    Kibana, checked with the rest of the stack.
.PARAMETER GrafanaUri
    Grafana, checked with the rest of the stack.
.PARAMETER Registry
    The registry (host:port) the sample's image is pushed to; with it, -DockerHost (or DOCKER_HOST)
    builds the image. Without it, the prebuilt -Image is deployed.
.PARAMETER RegistryCredential
    The registry's user and password, for the push.
.PARAMETER DockerHost
    The Docker engine that builds the image (default: DOCKER_HOST, else the default socket).
.PARAMETER Image
    The prebuilt image deployed when there is no -Registry.
.PARAMETER MetricsPort
    The 127.0.0.1 port the module's /metrics is served on while the story runs.
.PARAMETER StatePath
    The module's state store for the story (a folder).
.PARAMETER OutputPath
    Where the landing page and everything it links are written.
.EXAMPLE
    dotnet pwsh ./build.ps1 Run
    Starts the stack on 127.0.0.1, runs this story against it, and stops the stack.
.EXAMPLE
    dotnet pwsh ./build.ps1 Run -KeepRunning
    The same, leaving the stack up; it prints the parameters to run the story again from your session.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Kubeconfig,
    [Parameter(Mandatory)] [uri] $PrometheusUri,
    [Parameter(Mandatory)] [uri] $AlertmanagerUri,
    [Parameter(Mandatory)] [uri] $PushgatewayUri,
    [Parameter(Mandatory)] [uri] $ElasticsearchUri,
    [Parameter(Mandatory)] [uri] $KibanaUri,
    [Parameter(Mandatory)] [uri] $GrafanaUri,
    [string] $Registry,
    [pscredential] $RegistryCredential,
    [string] $DockerHost,
    [string] $Image = 'opsautomation/sample:1.0.0',
    [ValidateRange(1, 65535)] [int] $MetricsPort = 9464,
    [Parameter(Mandatory)] [string] $StatePath,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
function Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }
function Say([string] $Text) { Write-Host "   $Text" }

# Point this session at the stack, as a profile would: the cluster, the state store, the Docker
# engine, and the URLs the story's catalog, runbook and escalation policy read (${NAME}).
$env:KUBECONFIG = $Kubeconfig
$env:OPS_STATE_PATH = $StatePath
if ($DockerHost) { $env:DOCKER_HOST = $DockerHost }
$env:PROMETHEUS_URL = "$PrometheusUri".TrimEnd('/')
$env:ALERTMANAGER_URL = "$AlertmanagerUri".TrimEnd('/')
$env:PUSHGATEWAY_URL = "$PushgatewayUri".TrimEnd('/')
$env:ELASTICSEARCH_URL = "$ElasticsearchUri".TrimEnd('/')
$env:KIBANA_URL = "$KibanaUri".TrimEnd('/')
$env:GRAFANA_URL = "$GrafanaUri".TrimEnd('/')
$env:OPS_METRICS_URL = "http://127.0.0.1:$MetricsPort/metrics"

$examples = Split-Path $PSScriptRoot
$catalog = Join-Path $PSScriptRoot 'services.psd1'
$namespace = 'shop'
$null = New-Item -ItemType Directory $OutputPath, $StatePath -Force
# The specs this run writes (for this stack's registry and Prometheus) and the image's build context.
$work = New-Item -ItemType Directory (Join-Path $StatePath 'story') -Force
$summary = [ordered]@{
    Deployment = $null; Health = @(); Pipeline = $null; DeadLetters = @(); Canary = $null; Incident = $null
    Diagnostics = $null; Runbook = $null; Escalation = @(); Postmortem = @(); Rules = $null; Report = $null
}
$metricsServer = $null
$storyStarted = [DateTimeOffset]::UtcNow

# A deployment spec is data: the examples' specs (examples/deployments) with this stack's values, as JSON.
function Write-Spec([hashtable] $Spec, [string] $Name) {
    $path = Join-Path $work "$Name.json"
    $Spec | ConvertTo-Json -Depth 10 | Set-Content $path
    $path
}

try {
    # ---------------------------------------------------------------------------------------------
    Step '1. Deploy the sample service (build, push, apply, roll out, validate)'
    $deployments = Join-Path $examples 'deployments'
    $rolling = Import-PowerShellDataFile (Join-Path $deployments 'rolling.psd1')
    $rolling.Namespace = $namespace
    $rolling.Manifests = Join-Path $deployments 'manifests'
    $rolling.Variables = @{ VERSION = '1.0.0'; ERROR_RATE = '0' }
    if ($Registry) {
        # The image is FROM scratch with Debian's static busybox serving its page (busybox-static).
        $context = Join-Path $work 'sample'
        Copy-Item (Join-Path $deployments 'sample') $context -Recurse -Force
        $busybox = @('/bin/busybox', '/usr/bin/busybox') | Where-Object { Test-Path $_ } | Select-Object -First 1
        if (-not $busybox) { throw 'Building the sample image needs busybox-static (apt-get install busybox-static).' }
        Copy-Item $busybox (Join-Path $context 'busybox')
        $rolling.Image = @{ Context = $context; Repository = "$Registry/opsautomation/sample"; Tag = '1.0.0' }
    }
    else {
        Say "No registry: deploying the prebuilt image $Image (nothing is built or pushed)."
        $rolling.Image = $Image
    }
    $credential = $RegistryCredential ? @{ Credential = $RegistryCredential } : @{}
    $good = Invoke-Deployment (Write-Spec $rolling 'rolling') @credential
    $summary.Deployment = $good
    Say "sample 1.0.0: $($good.Outcome) in $([int] $good.Duration.TotalSeconds) s, revision $($good.RevisionAfter), image $($good.Image)"
    if ($good.Outcome -ne 'Succeeded') { throw "The sample service did not deploy: $($good.Reason)" }

    # ---------------------------------------------------------------------------------------------
    Step '2. Serve /metrics for Prometheus and check the whole stack'
    $metricsServer = Start-MetricsServer -Port $MetricsPort
    $env:SAMPLE_URL = @($good.Uri)[0]
    # Prometheus scrapes the module (every second here): wait for its first scrape, so that it counts us up.
    $query = [uri]::EscapeDataString("up{instance=`"127.0.0.1:$MetricsPort`"} == 1")
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (-not (Invoke-RestMethod "$env:PROMETHEUS_URL/api/v1/query?query=$query" -TimeoutSec 5).data.result -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 500
    }
    $health = @(Test-ServiceHealth -Path $catalog | Sort-Object Name)
    $summary.Health = $health
    $byStatus = $health | Group-Object Status | ForEach-Object { "$($_.Count) $($_.Name)" }
    Say "Serving $($metricsServer.Address); $($health.Count) checks: $($byStatus -join ', ')"
    $health | Where-Object Status -NE Healthy | ForEach-Object { Say "$($_.Name): $($_.Status) $($_.Error)" }

    # ---------------------------------------------------------------------------------------------
    Step '3. Load the day''s orders (some records are bad)'
    # examples/pipelines/orders.psd1, with its paths made absolute, its sink and lineage in -OutputPath.
    $pipelines = Join-Path $examples 'pipelines'
    $orders = Import-PowerShellDataFile (Join-Path $pipelines 'orders.psd1')
    $orders.Source.Path = Join-Path $pipelines $orders.Source.Path
    $orders.Validation.Schema = Join-Path $pipelines $orders.Validation.Schema
    $pipelineOut = New-Item -ItemType Directory (Join-Path $OutputPath 'pipelines') -Force
    $orders.Sink.Path = Join-Path $pipelineOut 'orders.db'
    $orders.Lineage = @{ Path = Join-Path $pipelineOut 'lineage.jsonl'; Namespace = 'opsautomation-story' }
    $run = Start-DataPipeline (Write-Spec $orders 'orders')
    $summary.Pipeline = $run
    $summary.DeadLetters = @($run | Get-DataPipelineDeadLetter)
    # A batch job's metrics also go to the Pushgateway, which keeps them after the job ends.
    Publish-Metric -Uri $PushgatewayUri -Job 'orders-pipeline'
    Say "orders: $($run.Status), $($run.RecordsIn) in, $($run.Loaded) loaded, $($run.Rejected) rejected (in the dead-letter queue), $($run.Filtered) filtered"

    # ---------------------------------------------------------------------------------------------
    Step '4. Deploy a bad version by canary'
    # The same image, told to fail every answer (ERROR_RATE = 1, which the sandbox's sample reads).
    # The analysis sends traffic through the Service and asks Prometheus for the error ratio of
    # the canary's own pods (${POD_TEMPLATE_HASH}); no data yet counts as inconclusive.
    $pods = "namespace=`"$namespace`",pod_template_hash=`"`${POD_TEMPLATE_HASH}`",path=`"/`""
    $canary = Import-PowerShellDataFile (Join-Path $deployments 'canary.psd1')
    $canary.Namespace = $namespace
    $canary.Manifests = $rolling.Manifests
    $canary.Image = $good.Image
    $canary.Variables = @{ VERSION = '1.1.0'; ERROR_RATE = '1' }
    $canary.Strategy.Steps = @(@{ SetWeight = 25 }, @{ Analysis = $true }, @{ SetWeight = 50 }, @{ Analysis = $true })
    $canary.Validation = @{
        PrometheusUri = $env:PROMETHEUS_URL
        HealthGates   = @(@{ Name = 'traffic'; Uri = '${SERVICE_URL}'; Check = @{ ExpectedStatusCode = 200, 500; Headers = @{ Connection = 'close' } }
                SuccessCount = 120; IntervalSec = 0.25; WindowSec = 40 })
        MetricGates   = @(@{ Name = 'error-ratio'; Threshold = '< 0.05'; IntervalSec = 1; Count = 20; NoData = 'Inconclusive'; InconclusiveLimit = 15
                Query = "(sum(rate(sample_http_requests_total{$pods,code=~`"5..`"}[5s])) or vector(0)) / sum(rate(sample_http_requests_total{$pods}[5s]))" })
    }
    # A failed deployment is an error for CI; here it is the story, so it is kept and shown.
    $bad = Invoke-Deployment (Write-Spec $canary 'canary') -ErrorAction SilentlyContinue
    $summary.Canary = $bad
    Say "sample 1.1.0 by canary: $($bad.Outcome); $($bad.Reason)"

    # ---------------------------------------------------------------------------------------------
    Step '5. Respond: incident, diagnostics, runbook, escalation, post-mortem'
    $incident = $bad | New-Incident -CatalogPath $catalog
    $incidentsOut = Join-Path $OutputPath 'incidents'
    $summary.Diagnostics = $incident | Save-IncidentDiagnostics -CatalogPath $catalog -PrometheusUri $PrometheusUri `
        -OutputPath (Join-Path $incidentsOut 'diagnostics') -WarningAction SilentlyContinue
    $summary.Runbook = $incident | Invoke-IncidentRunbook -Path (Join-Path $PSScriptRoot 'runbooks.psd1') -CatalogPath $catalog -Namespace $namespace -Approve
    $summary.Escalation = @(Invoke-IncidentEscalation -Path (Join-Path $PSScriptRoot 'escalation.psd1') -Id $incident.Id)
    # The Markdown draft for the team's wiki (the landing page shows it as HTML too).
    $summary.Postmortem = @($incident | Export-IncidentPostmortem -OutputPath (Join-Path $OutputPath 'postmortems') -Format Markdown -Author 'ops-story')
    $summary.Incident = Get-Incident -Id $incident.Id
    Say "$($incident.Id) ($($incident.Severity), $($incident.Service)): $($incident.Title)"
    Say "diagnostics: $(@($summary.Diagnostics.Sources | Where-Object Status -EQ Succeeded).Count) sources; runbook $($summary.Runbook.Runbook): verified $($summary.Runbook.Verified); escalation: $(@($summary.Escalation.Action) -join ', ') to $(@($summary.Escalation.Notified) -join ', ')"

    # ---------------------------------------------------------------------------------------------
    Step '6. Evaluate the alert rules in process and against Prometheus'
    $rules = (Join-Path $examples 'prometheus' 'ops-health.rules.yml'), (Join-Path $PSScriptRoot 'story.rules.yml')
    $inProcess = @(Invoke-PrometheusRule -Path $rules -InProcess)
    $server = @(Invoke-PrometheusRule -Path $rules -PrometheusUri $PrometheusUri -AlertmanagerUri $AlertmanagerUri)
    $summary.Rules = [pscustomobject]@{ InProcess = $inProcess; Prometheus = $server }
    foreach ($where in 'InProcess', 'Prometheus') {
        $firing = @($summary.Rules.$where | Where-Object State -EQ Firing | ForEach-Object AlertName | Sort-Object -Unique)
        Say "$($where): $(@($summary.Rules.$where).Count) alerts evaluated, firing: $($firing ? $firing -join ', ' : 'none')"
    }

    # ---------------------------------------------------------------------------------------------
    Step '7. Write the landing page'
    # From the state store: health, deployments (with the canary's gate chart), pipeline runs,
    # incidents with their post-mortems, and links to the metrics endpoints. The charts cover the
    # story's own minute; a scheduled export would show the last day (-Window defaults to 24 h).
    $window = [DateTimeOffset]::UtcNow - $storyStarted + [TimeSpan]::FromSeconds(10)
    $summary.Report = Export-OpsReport -Path $OutputPath -Title 'OpsAutomation: a day on the sample service' -Window $window `
        -MetricsUri $env:OPS_METRICS_URL, $PrometheusUri, $PushgatewayUri
    Say "Landing page: $(Join-Path $OutputPath 'index.html')"
}
finally {
    if ($metricsServer) { $metricsServer | Stop-MetricsServer }
    [pscustomobject] $summary
}
