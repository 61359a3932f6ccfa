@{
    RootModule             = 'OpsAutomation.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '2b8bf999-fd2f-47bb-9b29-b2d277243723'
    Author                 = 'OpsAutomation contributors'
    CompanyName            = 'OpsAutomation'
    Copyright              = '(c) OpsAutomation contributors. All rights reserved.'
    Description            = 'Operations automation for SRE teams: health monitoring, deployments, metrics, incident response and data pipelines, as compiled cmdlets that return typed objects.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    # Loaded into the default context before the cmdlets, so result types are shared with PowerShell.
    RequiredAssemblies     = @('OpsAutomation.Models.dll')
    FormatsToProcess       = @('OpsAutomation.Format.ps1xml')
    TypesToProcess         = @('OpsAutomation.Types.ps1xml')
    CmdletsToExport        = @('Test-ServiceHealth', 'Watch-ServiceHealth', 'Assert-ServiceHealth', 'Send-HealthAlert', 'Get-ServiceHealthHistory', 'Get-ServiceHealthSummary', 'New-HealthReport', 'New-Metric', 'Update-Metric', 'Get-Metric', 'Start-MetricsServer', 'Stop-MetricsServer', 'Publish-Metric', 'Remove-PushGatewayGroup', 'Export-MetricTextFile', 'Get-PrometheusMetric', 'Get-SystemMetrics', 'Test-PrometheusRule', 'Invoke-PrometheusRule', 'Invoke-PrometheusRuleTest', 'Start-DataPipeline', 'Get-DataPipelineRun', 'Get-DataPipelineDeadLetter', 'Invoke-DataPipelineReplay', 'Remove-DataPipelineDeadLetter', 'Test-DataRecord')
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags       = @('SRE', 'DevOps', 'Monitoring', 'HealthCheck', 'Prometheus', 'Kubernetes', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core')
        }
    }
}
