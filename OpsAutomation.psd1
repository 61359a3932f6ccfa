@{
    RootModule             = 'OpsAutomation.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '2b8bf999-fd2f-47bb-9b29-b2d277243723'
    Author                 = 'OpsAutomation contributors'
    CompanyName            = 'OpsAutomation'
    Copyright              = '(c) OpsAutomation contributors. All rights reserved.'
    # What is built and tested, nothing more: deployments and incidents are not built yet, and the
    # tests run on Linux only (the module targets PowerShell 7.4+ everywhere, but Windows and macOS
    # are not claimed until a test run there backs them).
    Description            = 'Operations automation for SRE teams, as compiled cmdlets that return typed objects: service health checks (HTTP, TCP, DNS, Elasticsearch, Kibana, Prometheus, Grafana, Alertmanager, Pushgateway, Kubernetes) with history, SLO summaries, alerts and reports; custom metrics served to Prometheus, pushed to a Pushgateway or written for the node_exporter; Prometheus rule checks, evaluation and unit tests; data pipelines with validation, dead letters and replay. Tested on Linux.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    # Loaded into the default context before the cmdlets, so result types are shared with PowerShell.
    RequiredAssemblies     = @('OpsAutomation.Models.dll')
    FormatsToProcess       = @('OpsAutomation.Format.ps1xml')
    TypesToProcess         = @('OpsAutomation.Types.ps1xml')
    CmdletsToExport        = @('Test-ServiceHealth', 'Watch-ServiceHealth', 'Assert-ServiceHealth', 'Send-HealthAlert', 'Get-ServiceHealthHistory', 'Get-ServiceHealthSummary', 'New-HealthReport', 'New-Metric', 'Update-Metric', 'Get-Metric', 'Start-MetricsServer', 'Stop-MetricsServer', 'Publish-Metric', 'Remove-PushGatewayGroup', 'Export-MetricTextFile', 'Get-PrometheusMetric', 'Get-SystemMetrics', 'Test-PrometheusRule', 'Invoke-PrometheusRule', 'Invoke-PrometheusRuleTest', 'Start-DataPipeline', 'Get-DataPipelineRun', 'Get-DataPipelineDeadLetter', 'Invoke-DataPipelineReplay', 'Remove-DataPipelineDeadLetter', 'Test-DataRecord', 'Build-ContainerImage', 'Publish-ContainerImage', 'Test-Deployment', 'Invoke-Deployment', 'Wait-DeploymentRollout', 'Undo-Deployment', 'Get-DeploymentHistory', 'Deploy-KubernetesManifest', 'New-Incident', 'Get-Incident', 'Update-Incident', 'Close-Incident', 'Measure-Incident', 'Invoke-IncidentRunbook', 'Invoke-IncidentEscalation', 'Save-IncidentDiagnostics', 'Export-IncidentPostmortem', 'Find-MetricAnomaly', 'Export-OpsReport')
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags       = @('SRE', 'DevOps', 'Monitoring', 'HealthCheck', 'Prometheus', 'Alerting', 'Metrics', 'DataPipeline', 'Linux', 'PSEdition_Core')
        }
    }
}
