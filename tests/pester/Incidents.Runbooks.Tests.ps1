#Requires -Version 7.4
# Runbooks as a person and a scheduled task meet them: an incident piped from New-Incident runs the
# runbook that matches it against the Kubernetes sandbox, every step lands on the timeline, -WhatIf
# changes nothing, high-impact steps need -Approve, rate limits hold across runs, and a bad runbook
# file is a located error.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Sandbox = Start-TestSandbox
    $script:Kubeconfig = $Sandbox.Kubeconfig
    $script:Repo = Join-Path $PSScriptRoot '..' '..'

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function kube { $input | & kubectl --kubeconfig $Kubeconfig @args }

    # A namespace with a Deployment 'web' of the sandbox's sample application.
    function New-Workload([string] $Namespace) {
        kube create namespace $Namespace | Out-Null
        @"
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: $Namespace }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: sample:1
        ports: [{ containerPort: 8080 }]
"@ | kube apply -f - | Out-Null
    }

    # A catalog where 'web' is a closed TCP port: Test-ServiceHealth finds it down.
    function New-Catalog([string] $Path) {
        Set-Content $Path "@{ Services = @( @{ Name = 'web'; Kind = 'Tcp'; Target = '127.0.0.1:$(Get-FreePort)'; Severity = 'Error'; TimeoutSec = 1 } ) }"
    }

    function New-Runbooks([string] $Path, [string] $Steps, [string] $Verify = '') {
        Set-Content $Path "@{ Runbooks = @( @{ Name = 'web-down'; Match = @{ Service = 'web*'; Severity = 'Error' }; Steps = @( $Steps ) $Verify } ) }"
    }
}

AfterAll {
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
}

Describe 'Invoke-IncidentRunbook' {
    BeforeAll {
        $script:State = Join-Path $TestDrive 'state'
        $script:Catalog = Join-Path $TestDrive 'services.psd1'
        New-Catalog $Catalog
        $script:Ns = 'runbooks'
        New-Workload $Ns
        $script:Common = @{ StatePath = $State; Kubeconfig = $Kubeconfig; Namespace = $Ns }
    }

    It 'runs from Test-ServiceHealth | New-Incident, restarts the Deployment, writes every step on the timeline and escalates when unverified' {
        $book = Join-Path $TestDrive 'restart.psd1'
        New-Runbooks $book "@{ Name = 'restart'; Action = 'RestartDeployment'; Deployment = '`${Service}'; RateLimit = @{ Count = 1; WindowSec = 3600 } }" `
            "; Verify = @{ SuccessCount = 1; IntervalSec = 0.2; WindowSec = 0.5 }"

        $run = Test-ServiceHealth -Path $Catalog -StatePath $State | New-Incident -StatePath $State |
            Invoke-IncidentRunbook -Path $book -CatalogPath $Catalog @Common -WarningVariable warned -WarningAction SilentlyContinue

        $run | Should -BeOfType OpsAutomation.Models.Incidents.RunbookRun
        $run.Runbook | Should -Be 'web-down'
        $run.Steps[0].Outcome | Should -Be 'Succeeded'
        $run.Steps[0].Target | Should -Be "deployment $Ns/web"
        $run.Verified | Should -BeFalse
        $run.NeedsEscalation | Should -BeTrue
        $warned | Should -Match 'marked for escalation'
        kube get deployment web -n $Ns -o "jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}" | Should -Not -BeNullOrEmpty
        $timeline = (Get-Incident -Id $run.IncidentId -StatePath $State).Timeline
        ($timeline | Where-Object Kind -EQ Action | Select-Object -First 1).Details['outcome'] | Should -Be 'Succeeded'
        ($timeline | Where-Object Kind -EQ Verification | Select-Object -First 1).Details['verified'] | Should -Be 'false'
        @($timeline | Where-Object { $_.Details['escalate'] -eq 'true' }) | Should -HaveCount 1
        $script:IncidentId = $run.IncidentId
        $script:RestartBook = $book
    }

    It 'does not restart again within the rate limit on the next scheduled run' {
        # The generation moves with any spec change (a restart is one); status writes do not move it.
        $before = kube get deployment web -n $Ns -o 'jsonpath={.metadata.generation}'
        $run = Invoke-IncidentRunbook -Id $IncidentId -Path $RestartBook -CatalogPath $Catalog @Common -WarningAction SilentlyContinue
        $run.Steps[0].Outcome | Should -Be 'RateLimited'
        $run.Steps[0].Message | Should -Match 'ran 1 times in the last 1h 00m \(limit 1\)'
        kube get deployment web -n $Ns -o 'jsonpath={.metadata.generation}' | Should -Be $before
    }

    It '-WhatIf changes nothing, writes nothing and says what each step would do' {
        $book = Join-Path $TestDrive 'whatif.psd1'
        New-Runbooks $book "@{ Action = 'ScaleDeployment'; Deployment = 'web'; Replicas = 0 }, @{ Action = 'RollbackDeployment'; Deployment = 'web' }"
        $incident = New-Incident -Title 'web is down' -Service web -Severity Error -StatePath $State
        # The controller keeps writing the Deployment's status (pods of earlier tests restart), so what must
        # not move is what a change would: the generation (any spec change) and the revision (a rollback).
        $spec = 'jsonpath={.metadata.generation}/{.metadata.annotations.deployment\.kubernetes\.io/revision}/{.spec.replicas}'
        $before = kube get deployment web -n $Ns -o $spec
        $entries = @((Get-Incident -Id $incident.Id -StatePath $State).Timeline).Count

        $run = $incident | Invoke-IncidentRunbook -Path $book @Common -WhatIf

        $run.Steps.Outcome | Should -Be @('WhatIf', 'WhatIf')
        $run.Steps[0].Message | Should -BeLike 'would scale to 0 replicas*-Approve*'
        kube get deployment web -n $Ns -o $spec | Should -Be $before
        @((Get-Incident -Id $incident.Id -StatePath $State).Timeline).Count | Should -Be $entries
    }

    It 'refuses a high-impact step without -Approve and runs it with -Approve' {
        $book = Join-Path $TestDrive 'scale.psd1'
        New-Runbooks $book "@{ Name = 'to-zero'; Action = 'ScaleDeployment'; Deployment = 'web'; Replicas = 0 }"
        $incident = New-Incident -Title 'web is down' -Service web -Severity Error -StatePath $State

        $refused = Invoke-IncidentRunbook -Id $incident.Id -Path $book @Common -WarningAction SilentlyContinue
        $refused.Steps[0].Outcome | Should -Be 'Refused'
        $refused.Steps[0].Message | Should -Match '-Approve'
        kube get deployment web -n $Ns -o 'jsonpath={.spec.replicas}' | Should -Be '1'

        $approved = Invoke-IncidentRunbook -Id $incident.Id -Path $book @Common -Approve
        $approved.Steps[0].Outcome | Should -Be 'Succeeded'
        kube get deployment web -n $Ns -o 'jsonpath={.spec.replicas}' | Should -Be '0'
        $outcomes = (Get-Incident -Id $incident.Id -StatePath $State).Timeline | Where-Object Kind -EQ Action | ForEach-Object { $_.Details['outcome'] }
        @($outcomes) | Should -Contain 'Refused'
        @($outcomes) | Should -Contain 'Succeeded'
    }

    It 'writes nothing for an incident no runbook matches, and says so in the verbose stream' {
        $book = Join-Path $TestDrive 'restart.psd1'
        $other = New-Incident -Title 'cache is slow' -Service cache -Severity Warning -StatePath $State
        $verbose = Invoke-IncidentRunbook -Id $other.Id -Path $book @Common -Verbose 4>&1
        @($verbose | Where-Object { $_ -is [OpsAutomation.Models.Incidents.RunbookRun] }) | Should -HaveCount 0
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -match "^incident $($other.Id) \(cache, Warning, .*\): no runbook of .*restart\.psd1 matches it$" |
            Should -Not -BeNullOrEmpty
    }

    It 'an unknown incident id is an IncidentNotFound error and the next id still runs' {
        $incident = New-Incident -Title 'web is down' -Service web -Severity Error -StatePath $State
        $book = Join-Path $TestDrive 'notify.psd1'
        New-Runbooks $book "@{ Action = 'ScaleDeployment'; Deployment = 'web'; Replicas = 1 }"
        $runs = Invoke-IncidentRunbook -Id 'INC-20000101-0001', $incident.Id -Path $book @Common -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'IncidentNotFound,*'
        $failed[0].TargetObject | Should -Be 'INC-20000101-0001'
        @($runs) | Should -HaveCount 1
    }

    It 'a bad runbook file is a terminating error naming the file, the key, the runbook and the step' {
        $bad = Join-Path $TestDrive 'bad.psd1'
        Set-Content $bad "@{ Runbooks = @( @{ Name = 'web'; Steps = @( @{ Action = 'RestartDeployment'; Deployment = 'web'; Replica = 2 } ) } ) }"
        { Invoke-IncidentRunbook -Id 'INC-20000101-0001' -Path $bad @Common } | Should -Throw -ErrorId 'RunbookFileInvalid,OpsAutomation.Commands.InvokeIncidentRunbookCommand' `
            -ExpectedMessage ([WildcardPattern]::Escape("$bad, key 'Runbooks[0].Steps[0].Replica': runbook 'web': step 1: unknown key") + '*')
        Set-Content $bad "@{ Runbooks = @( @{ Name = 'web'; Steps = @( @{ Action = 'Reboot' } ) } ) }"
        { Invoke-IncidentRunbook -Id 'INC-20000101-0001' -Path $bad @Common } | Should -Throw -ExpectedMessage "*unknown action 'Reboot'; use one of CleanDirectory, DeletePod*"
        { Invoke-IncidentRunbook -Id 'INC-20000101-0001' -Path (Join-Path $TestDrive 'none.psd1') @Common } | Should -Throw -ErrorId 'RunbookFileNotFound,OpsAutomation.Commands.InvokeIncidentRunbookCommand'
    }

    It 'reads the example runbook file and previews it for a web incident' {
        $incident = New-Incident -Title 'web is down' -Service web -Severity Error -StatePath $State
        $run = Invoke-IncidentRunbook -Id $incident.Id -Path (Join-Path $Repo 'examples' 'incidents' 'runbooks.psd1') -CatalogPath $Catalog @Common -WhatIf
        $run.Runbook | Should -Be 'crashing-workload'
        $run.Steps.Step | Should -Be @('restart', 'rollback')
        $run.Steps[0].Outcome | Should -Be 'WhatIf'
        $run.Verification | Should -BeLike 'would verify: web healthy 3 times in a row*'
    }

    It 'has help with examples' {
        $help = Get-Help Invoke-IncidentRunbook -Full
        $help.Synopsis | Should -Match 'runbook'
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
    }
}
