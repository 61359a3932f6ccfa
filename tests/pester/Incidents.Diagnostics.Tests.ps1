#Requires -Version 7.4
# Save-IncidentDiagnostics and Export-IncidentPostmortem as a person types them: a crash-looping
# Deployment on the Kubernetes sandbox (started here, its clock 30 times real time) diagnosed for an
# incident, with its previous logs, a secret env value masked, the catalog's Prometheus queries run
# on the real Prometheus; then the incident's post-mortem draft.

BeforeAll {
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL
    if (-not $Prometheus) { throw 'Needs Prometheus: ./build.ps1 Test starts it and sets OPS_TEST_PROMETHEUS_URL.' }
    $script:Sandbox = Start-TestSandbox -Speed 30
    $script:Kubeconfig = $Sandbox.Kubeconfig
    $script:StatePath = Join-Path $TestDrive 'state'
    $script:Secret = 'pg-s3cr3t-passw0rd-4242'

    # Incidents as a scheduled run opens them: a firing signal piped into New-Incident (observed two
    # minutes before it opened), then taken by a person with Update-Incident.
    function script:New-TestIncident([string] $Service, [string] $Title) {
        $signal = [pscustomobject]@{ Fingerprint = "pester:${Service}:$([guid]::NewGuid().ToString('N'))"; Firing = $true; Service = $Service; Severity = 'Critical'; Summary = $Title
            Timestamp = [datetimeoffset]::UtcNow.AddMinutes(-2) }
        $incident = $signal | New-Incident -StatePath $StatePath
        Update-Incident $incident.Id -Owner alice -StatePath $StatePath
        Get-Incident $incident.Id -StatePath $StatePath
    }
    function script:Get-TestIncident([string] $Id) { Get-Incident $Id -StatePath $StatePath }

    $script:Namespace = 'diag-crash'
    kubectl --kubeconfig $Kubeconfig create namespace $Namespace | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "kubectl create namespace failed with $LASTEXITCODE" }
    @"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: $Namespace
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: app
          image: sample:2
          env:
            - { name: CRASH_AFTER_SECONDS, value: "0" }
            - { name: EXIT_CODE, value: "3" }
            - { name: DB_PASSWORD, value: "$Secret" }
"@ | kubectl --kubeconfig $Kubeconfig apply -f - | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "kubectl apply failed with $LASTEXITCODE" }
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    do {
        Start-Sleep -Milliseconds 200
        $restarts = kubectl --kubeconfig $Kubeconfig get pods -n $Namespace -o 'jsonpath={.items[0].status.containerStatuses[0].restartCount}'
    } until (([int]"0$restarts") -ge 1 -or [DateTime]::UtcNow -gt $deadline)
    if ([int]"0$restarts" -lt 1) { throw 'The sandbox pod never restarted.' }

    $script:Catalog = Join-Path $TestDrive 'services.psd1'
    @"
@{
    Services = @(
        @{ Name = 'web'; Kind = 'KubernetesWorkload'; Namespace = '$Namespace'; Kubeconfig = '$Kubeconfig'; LabelSelector = 'app=web'
           Queries = @{ targets = 'count(up)'; broken = 'sum(' } }
    )
}
"@ | Set-Content $Catalog
}

AfterAll {
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
}

Describe 'Save-IncidentDiagnostics for an incident of a crash-looping Deployment' {
    BeforeAll {
        $script:Incident = New-TestIncident -Service web -Title 'web is crash-looping'
        # As New-Incident's objects pipe in: by the Id property.
        $script:Result = [pscustomobject]@{ Id = $Incident.Id } |
            Save-IncidentDiagnostics -CatalogPath $Catalog -PrometheusUri $Prometheus -StatePath $StatePath -OutputPath (Join-Path $TestDrive 'bundles')
        $script:Files = @{}
        Get-ChildItem $Result.Path -File | ForEach-Object { $Files[$_.Name] = Get-Content $_.FullName -Raw }
    }

    It 'emits the bundle with its sources and attaches it' {
        $Result | Should -BeOfType ([OpsAutomation.Models.Incidents.IncidentDiagnostics])
        $Result.IncidentId | Should -Be $Incident.Id
        $Result.Service | Should -Be 'web'
        $Result.Attached | Should -BeTrue
        $status = @{}; $Result.Sources | ForEach-Object { $status[$_.Name] = "$($_.Status)" }
        $status['pod-status'] | Should -Be 'Succeeded'
        $status['pod-logs'] | Should -Be 'Succeeded'
        $status['events'] | Should -Be 'Succeeded'
        $status['rollout-history'] | Should -Be 'Succeeded'
        $status['health-check'] | Should -Be 'Succeeded'
        $status['prometheus-queries'] | Should -Be 'Succeeded'
        $Result.Succeeded | Should -BeGreaterOrEqual 6
    }

    It 'holds the previous instance''s log lines and the restarts in the bundle and its summary' {
        $Files['pod-logs.txt'] | Should -Match 'previous instance, before the last restart'
        $Files['pod-logs.txt'] | Should -Match ([regex]::Escape('crashing as told (CRASH_AFTER_SECONDS): exit code 3'))
        $Files['summary.md'] | Should -Match '## Restarts'
        $Files['summary.md'] | Should -Match 'container app: \d+ restart'
        $Files['summary.md'] | Should -Match '## Last log lines'
        (Get-Content (Join-Path $Result.Path 'manifest.json') -Raw | ConvertFrom-Json).incidentId | Should -Be $Incident.Id
    }

    It 'runs the catalog''s Prometheus queries, keeping a refused one with its error' {
        $queries = $Files['prometheus-queries.json'] | ConvertFrom-Json
        [double] $queries.targets.samples[0].value | Should -BeGreaterThan 0
        $queries.broken.error | Should -Match 'refused the query'
    }

    It 'masks the env secret everywhere' {
        foreach ($file in $Files.GetEnumerator()) { $file.Value | Should -Not -Match ([regex]::Escape($Secret)) -Because $file.Key }
        ($Files['pod-status.json'] | ConvertFrom-Json).pods[0].containers[0].env.DB_PASSWORD | Should -Be '[REDACTED]'
    }

    It 'puts the bundle on the incident''s timeline with each source''s status' {
        $entry = (Get-TestIncident $Incident.Id).Timeline | Where-Object Kind -EQ 'Diagnostics'
        $entry | Should -HaveCount 1
        $entry.Details['path'] | Should -Be $Result.Path
        $entry.Details['source.pod-logs'] | Should -Match '^Succeeded'
    }
}

Describe 'Save-IncidentDiagnostics by service and its errors' {
    It 'writes a zip with -Zip' {
        $zip = Save-IncidentDiagnostics -Service web -Namespace $Namespace -Kubeconfig $Kubeconfig -StatePath $StatePath -OutputPath (Join-Path $TestDrive 'zips') -Zip
        $zip.Zip | Should -BeTrue
        $zip.Attached | Should -BeFalse
        $zip.Path | Should -Match '\.zip$'
        Test-Path $zip.Path -PathType Leaf | Should -BeTrue
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [System.IO.Compression.ZipFile]::OpenRead($zip.Path)
        try { $archive.Entries.FullName | Should -Contain 'summary.md' } finally { $archive.Dispose() }
    }

    It 'records the sources that fail with the server''s reason and still writes the bundle' {
        # A workload in a namespace nobody made: the cluster sources fail, with the server's reason.
        $run = Save-IncidentDiagnostics -Service ghost -Namespace nowhere -Kubeconfig $Kubeconfig -StatePath $StatePath -OutputPath (Join-Path $TestDrive 'ghost')
        ($run.Sources | Where-Object Name -EQ 'pod-status').Status | Should -Be 'Failed'
        ($run.Sources | Where-Object Name -EQ 'pod-status').Error | Should -Match '404'
        Test-Path (Join-Path $run.Path 'manifest.json') | Should -BeTrue
    }

    It 'writes nothing with -WhatIf' {
        $out = Join-Path $TestDrive 'whatif'
        Save-IncidentDiagnostics -Service web -StatePath $StatePath -OutputPath $out -WhatIf | Should -BeNullOrEmpty
        Test-Path $out | Should -BeFalse
    }

    It 'is IncidentNotFound for an id the store does not hold' {
        { Save-IncidentDiagnostics -Id INC-19990101-0001 -StatePath $StatePath -ErrorAction Stop } |
            Should -Throw -ErrorId 'IncidentNotFound,OpsAutomation.Commands.SaveIncidentDiagnosticsCommand'
    }

    It 'is KubernetesConfigurationInvalid for a kubeconfig that does not exist' {
        { Save-IncidentDiagnostics -Service web -Kubeconfig (Join-Path $TestDrive 'none.yaml') -StatePath $StatePath } |
            Should -Throw -ErrorId 'KubernetesConfigurationInvalid,OpsAutomation.Commands.SaveIncidentDiagnosticsCommand'
    }
}

Describe 'Export-IncidentPostmortem' {
    BeforeAll {
        # A deployment of the service just before the incident opens: New-Incident names it as a suspect.
        $manifest = Join-Path $TestDrive 'suspect.yaml'
        Set-Content $manifest @'
apiVersion: v1
kind: Namespace
metadata: { name: diag-suspect }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: diag-suspect, labels: { app: web } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - { name: app, image: sample:1 }
'@
        $script:Deployed = Invoke-Deployment -Name web -Namespace diag-suspect -Manifest $manifest -Kubeconfig $Kubeconfig -StatePath $StatePath -TimeoutSec 120
        $script:Hostile = New-TestIncident -Service web -Title "<script>alert('x')</script> web down"
        $script:Written = $Hostile | Export-IncidentPostmortem -OutputPath (Join-Path $TestDrive 'pm') -StatePath $StatePath -Author alice, bob
    }

    It 'writes the Markdown and HTML drafts by default' {
        $Written | Should -HaveCount 2
        $Written | ForEach-Object { $_ | Should -BeOfType ([OpsAutomation.Models.Incidents.IncidentPostmortem]) }
        ($Written.Format | ForEach-Object ToString) | Should -Be 'Markdown', 'Html'
        $Written | ForEach-Object { Test-Path $_.Path | Should -BeTrue }
        Split-Path $Written[0].Path -Leaf | Should -Be "postmortem-$($Hostile.Id).md"
    }

    It 'has the SRE sections filled from the incident' {
        $md = Get-Content $Written[0].Path -Raw
        foreach ($section in 'Summary', 'Impact', 'Root causes', 'Trigger', 'Resolution', 'Detection', 'Action items', 'Lessons learned', 'Timeline', 'Supporting information') {
            $md | Should -Match "(?m)^## $section$"
        }
        $md | Should -Match "Suspect deployment shortly before it opened: $([regex]::Escape($Deployed.Id)): diag-suspect/web"
        $md | Should -Match '\*\*Authors:\*\* alice, bob'
        $md | Should -Match '\| Time to detect \| 2m 00s \|'
    }

    It 'renders a title with markup as text in HTML' {
        $html = Get-Content $Written[1].Path -Raw
        $html | Should -Not -Match '<script'
        $html | Should -Match ([regex]::Escape('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; web down'))
    }

    It 'writes one form with -Format' {
        $one = Export-IncidentPostmortem -Id $Hostile.Id -OutputPath (Join-Path $TestDrive 'md') -Format Markdown -StatePath $StatePath
        $one | Should -HaveCount 1
        (Get-ChildItem (Join-Path $TestDrive 'md')).Name | Should -Be "postmortem-$($Hostile.Id).md"
    }

    It 'is IncidentNotFound for an id the store does not hold' {
        { Export-IncidentPostmortem -Id INC-19990101-0001 -StatePath $StatePath -ErrorAction Stop } |
            Should -Throw -ErrorId 'IncidentNotFound,OpsAutomation.Commands.ExportIncidentPostmortemCommand'
    }
}
