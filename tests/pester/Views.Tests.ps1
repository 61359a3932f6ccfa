#Requires -Version 7.4
# Every table view of the format file, rendered with a realistic object at 120 columns (a laptop
# terminal beside an editor): no line is longer, every column is shown, and the values a person
# scans (names, kinds, statuses, durations) are not cut.

BeforeDiscovery {
    $manifest = $env:OPS_TEST_MODULE_PATH
    if (-not $manifest) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    [xml] $format = Get-Content (Join-Path (Split-Path $manifest) 'OpsAutomation.Format.ps1xml') -Raw
    $script:Views = @($format.Configuration.ViewDefinitions.View | ForEach-Object {
            @{ Name = $_.Name; TypeName = $_.ViewSelectedBy.TypeName; Labels = @($_.TableControl.TableHeaders.TableColumnHeader.Label) }
        })
}

BeforeAll {
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $now = [datetimeoffset]::new(2026, 12, 7, 13, 45, 12, [timespan]::Zero)
    $labels = [System.Collections.Generic.Dictionary[string, string]]::new()
    $labels['instance'] = 'node-7.prod.example.internal:9100'
    $labels['job'] = 'node'
    $runId = '3f2c7a9e-5b1d-4c8e-9a6f-0d2b4e8c1a7f'

    # Per type: a realistic object, and the texts that must show in full in its row.
    $script:Samples = @{
        'OpsAutomation.Models.Health.HealthCheckResult' = @{
            Object = [OpsAutomation.Models.Health.HealthCheckResult]@{ Name = 'payments-api-eu-west-1'; Kind = 'KubernetesWorkload'; Target = 'deployment/payments-api'
                Status = 'Unreachable'; StatusCode = 503; ResponseTime = [timespan]::FromMilliseconds(1234); Attempts = 3; RunId = $runId; Timestamp = $now
                Error = 'Deployment payments-api has 0 of 3 replicas available; rollout stalled (ProgressDeadlineExceeded)' }
            Show = 'payments-api-eu-west-1', 'KubernetesWorkload', 'Unreachable', '1234'
        }
        'OpsAutomation.Models.Alerting.HealthAlert' = @{
            Object = [OpsAutomation.Models.Alerting.HealthAlert]@{ Name = 'payments-api-eu-west-1'; State = 'Resolved'; Changed = $true; Severity = 'Critical'
                DedupKey = 'opsautomation:payments'; Status = 'Healthy'; ConsecutiveCount = 12; Delivered = [string[]]('Alertmanager', 'Slack'); Timestamp = $now }
            Show = 'payments-api-eu-west-1', 'Resolved', 'Critical', 'Alertmanager, Slack'
        }
        'OpsAutomation.Models.Health.HealthSummary' = @{
            Object = [OpsAutomation.Models.Health.HealthSummary]@{ Name = 'payments-api-eu-west-1'; From = $now.AddDays(-7); To = $now; Checks = 10080; Failures = 5040
                AvailabilityPercent = 50; P95Ms = 812.4; LongestOutage = [timespan]::FromHours(26.5); LastStatus = 'Unreachable'; LastChecked = $now
                SloTargetPercent = 99.9; ErrorBudgetRemainingPercent = -49900; BurnRate = 500 }
            Show = 'payments-api-eu-west-1', '10080', '1d 2h', 'spent', 'Unreachable'
        }
        'OpsAutomation.Models.Metrics.MetricDefinition' = @{
            Object = [OpsAutomation.Models.Metrics.MetricDefinition]@{ Name = 'ops_pipeline_records_rejected_total'; Type = 'Histogram'; Help = 'x'
                LabelName = [string[]]('pipeline', 'step', 'stage'); MaxSeries = 1000; DroppedSeries = 12; Timestamp = $now }
            Show = 'ops_pipeline_records_rejected_total', 'Histogram', 'pipeline, step, stage'
        }
        'OpsAutomation.Models.Metrics.MetricSeries' = @{
            Object = [OpsAutomation.Models.Metrics.MetricSeries]@{ Name = 'ops_pipeline_records_rejected_total'; Type = 'Counter'; Label = $labels; Value = 1234567; Count = 42; Timestamp = $now }
            Show = 'ops_pipeline_records_rejected_total', '1234567'
        }
        'OpsAutomation.Models.Metrics.MetricsServerInfo' = @{
            Object = [OpsAutomation.Models.Metrics.MetricsServerInfo]@{ Host = '192.168.100.200'; Port = 65535; Address = 'http://192.168.100.200:65535/metrics'; StartedAt = $now }
            Show = '65535', '192.168.100.200', 'http://192.168.100.200:65535/metrics'
        }
        'OpsAutomation.Models.Metrics.MetricPublication' = @{
            Object = [OpsAutomation.Models.Metrics.MetricPublication]@{ Uri = 'http://127.0.0.1:9091/metrics/job/ops-health/instance/node-7'; Job = 'ops-health-checks'
                Method = 'Post'; Bytes = 123456; Timestamp = $now }
            Show = 'ops-health-checks', '123456', 'Post'
        }
        'OpsAutomation.Models.Metrics.PushGatewayGroup' = @{
            Object = [OpsAutomation.Models.Metrics.PushGatewayGroup]@{ Job = 'ops-health-checks'; GroupingKey = $labels; LastPush = $now.AddMinutes(-90)
                Age = [timespan]::FromMinutes(90.5); Removed = $true; Timestamp = $now }
            Show = 'ops-health-checks', '1h 30m', 'True'
        }
        'OpsAutomation.Models.Metrics.MetricTextFile' = @{
            Object = [OpsAutomation.Models.Metrics.MetricTextFile]@{ Path = '/var/lib/prometheus/node-exporter/opsautomation.prom'; Bytes = 12345678; Timestamp = $now }
            Show = '12345678', '/var/lib/prometheus/node-exporter/opsautomation.prom'
        }
        'OpsAutomation.Models.Metrics.MetricSample' = @{
            Object = [OpsAutomation.Models.Metrics.MetricSample]@{ Name = 'node_network_receive_bytes_total'; Labels = $labels; Value = 123456789012; Family = 'node_network_receive_bytes'
                Type = 'Counter'; ScrapedAt = $now }
            Show = 'node_network_receive_bytes_total', 'Counter'
        }
        'OpsAutomation.Models.Metrics.MetricRate' = @{
            Object = [OpsAutomation.Models.Metrics.MetricRate]@{ Name = 'node_network_receive_bytes_total'; Labels = $labels; Family = 'node_network_receive_bytes'; Rate = 123456.789
                Increase = 7407407; Interval = [timespan]::FromMinutes(1); Timestamp = $now }
            Show = 'node_network_receive_bytes_total', '123456.789'
        }
        'OpsAutomation.Models.Metrics.MetricQuantile' = @{
            Object = [OpsAutomation.Models.Metrics.MetricQuantile]@{ Family = 'http_request_duration_seconds'; Labels = $labels; Quantile = 0.99; Value = 1.23456; Type = 'Histogram'; Timestamp = $now }
            Show = 'http_request_duration_seconds', 'Histogram', '0.99', '1.23456'
        }
        'OpsAutomation.Models.Metrics.SystemMetrics' = @{
            Object = [OpsAutomation.Models.Metrics.SystemMetrics]@{ HostName = 'build-agent-07.prod'; Timestamp = $now; LoadAverage1 = 12.5 }
            Show = 'build-agent-07.prod', '12.50'
        }
        'OpsAutomation.Models.Incidents.MetricAnomaly' = @{
            Object = [OpsAutomation.Models.Incidents.MetricAnomaly]@{ Series = 'http_requests_per_second{job="checkout-api",instance="10.0.12.7:8080"}'; Metric = 'http_requests_per_second'
                Detector = 'LevelShift'; Direction = 'Below'; Start = $now.AddMinutes(-95); End = $now.AddMinutes(-20); Value = 12.75; Baseline = 1840.5; Score = 11.25
                Window = [TimeSpan]::FromHours(1); Timestamp = $now }
            Show = 'LevelShift', 'down', '12.75', '1840.5', '11.3', '1h15m'
        }
        'OpsAutomation.Models.Alerting.RuleAlert' = @{
            Object = [OpsAutomation.Models.Alerting.RuleAlert]@{ AlertName = 'PipelineRejectionsHigh'; Group = 'pipelines'; File = 'rules.yml'; Labels = $labels; State = 'Firing'
                Value = 0.25; ActiveSince = $now.AddMinutes(-12); Expression = 'x'; Timestamp = $now }
            Show = 'PipelineRejectionsHigh', 'Firing', '0.25'
        }
        'OpsAutomation.Models.Alerting.RuleFileSummary' = @{
            Object = [OpsAutomation.Models.Alerting.RuleFileSummary]@{ File = '/etc/prometheus/rules/opsautomation-pipelines.rules.yml'; Valid = $false; GroupCount = 12
                AlertingRuleCount = 123; RecordingRuleCount = 45; Problems = [string[]]('a', 'b'); Timestamp = $now }
            Show = 'False', '123', '/etc/prometheus/rules/opsautomation-pipelines.rules.yml'
        }
        'OpsAutomation.Models.Alerting.RuleTestResult' = @{
            Object = [OpsAutomation.Models.Alerting.RuleTestResult]@{ File = 'tests/rules.test.yml'; TestGroup = 'pipeline rejections'; Kind = 'Expression'; EvalTime = [timespan]::FromMinutes(15)
                Subject = 'sum(rate(ops_records_rejected_total[5m]))'; Passed = $false; Actual = '{} 0.25'; Message = 'x'; Timestamp = $now }
            Show = 'pipeline rejections', 'Expression', 'sum(rate(ops_records_rejected_total[5m]))'
        }
        'OpsAutomation.Models.Alerting.RuleTestFileSummary' = @{
            Object = [OpsAutomation.Models.Alerting.RuleTestFileSummary]@{ File = 'tests/opsautomation-pipelines.test.yml'; Passed = $true; TestGroupCount = 12; ResultCount = 340
                FailedCount = 0; Problems = [string[]]@(); Timestamp = $now }
            Show = 'True', '340', 'tests/opsautomation-pipelines.test.yml'
        }
        'OpsAutomation.Models.Pipelines.PipelineRun' = @{
            Object = [OpsAutomation.Models.Pipelines.PipelineRun]@{ RunId = $runId; Pipeline = 'orders-nightly-eu-west'; Status = 'CompletedWithRejections'; RecordsIn = 12345678
                Loaded = 12345000; Rejected = 678; StartedAt = $now; Duration = [timespan]::FromMilliseconds(420); Error = '678 records failed validation' }
            Show = 'orders-nightly-eu-west', 'CompletedWithRejections', '420ms', '12,345,678', '12,345,000'
        }
        'OpsAutomation.Models.Pipelines.DeadLetter' = @{
            Object = [OpsAutomation.Models.Pipelines.DeadLetter]@{ Id = 1234567; Pipeline = 'orders-nightly'; Step = 'load-orders'; RunId = $runId; Stage = 'Transform'
                Location = 'orders-2026-12-07.csv:12345'; Error = 'total: not a number'; CreatedAt = $now }
            Show = '1234567', 'orders-nightly', 'load-orders', 'Transform'
        }
        'OpsAutomation.Models.Pipelines.ValidationFailure' = @{
            Object = [OpsAutomation.Models.Pipelines.ValidationFailure]@{ RunId = $runId; Position = 12; Location = 'orders.csv:12345'; Field = 'customer_id'; Rule = 'Required'
                Value = ''; Message = 'customer_id is required' }
            Show = 'orders.csv:12345', 'customer_id', 'Required'
        }
        'OpsAutomation.Models.Deployment.ContainerImageBuild' = @{
            Object = [OpsAutomation.Models.Deployment.ContainerImageBuild]@{ ImageId = 'sha256:3f4e5d6c7b8a91a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081920'
                Tags = [string[]]@('registry.example.internal:5000/payments/checkout-api:1.24.3'); ContextPath = '/src/checkout'; Dockerfile = '/src/checkout/Dockerfile'
                Steps = 12; Duration = [timespan]::FromSeconds(83); Timestamp = $now }
            Show = 'sha256:3f4e5d6c7b8a', '12', 'registry.example.internal:5000/payments/checkout-api:1.24.3'
        }
        'OpsAutomation.Models.Deployment.ContainerImagePublication' = @{
            Object = [OpsAutomation.Models.Deployment.ContainerImagePublication]@{ Image = 'registry.example.internal:5000/payments/checkout-api:1.24.3'
                Registry = 'registry.example.internal:5000'; Repository = 'payments/checkout-api'; Tag = '1.24.3-rc.1'; Size = 1578
                Digest = 'sha256:9b2c1d0e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e'
                Reference = 'registry.example.internal:5000/payments/checkout-api@sha256:9b2c1d0e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e'
                Duration = [timespan]::FromSeconds(4); Timestamp = $now }
            Show = 'payments/checkout-api', '1.24.3-rc.1', '1578', 'sha256:9b2c1d0e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e'
        }
        'OpsAutomation.Models.Deployment.DeploymentResult' = @{
            Object = [OpsAutomation.Models.Deployment.DeploymentResult]@{ Id = $runId; Name = 'checkout-api-frontend'; Namespace = 'payments-prod'
                Strategy = 'BlueGreen'; Outcome = 'RolledBack'; Changed = $true; RevisionBefore = 1041; RevisionAfter = 1043
                Reason = 'the switch to green failed its analysis: error-ratio: 0.18 > 0.05 in 2 of 2 evaluations (limit 1)'; StartTime = $now
                Duration = [timespan]::FromSeconds(754) }
            Show = 'payments-prod/checkout-api-frontend', 'BlueGreen', 'RolledBack', '1041>1043', '12m 34s'
        }
        'OpsAutomation.Models.Deployment.StrategyStepResult' = @{
            Object = [OpsAutomation.Models.Deployment.StrategyStepResult]@{ Index = 12; Kind = 'SetWeight'; Succeeded = $true; RequestedWeight = 33
                AchievedWeight = 33.3333; Description = 'canary 1 of 3 ready pods (33.3%, asked 33%)'; Started = $now; Ended = $now }
            Show = '12', 'SetWeight', 'True', '33.3% of 33%'
        }
        'OpsAutomation.Models.Deployment.DeploymentValidation' = @{
            Object = [OpsAutomation.Models.Deployment.DeploymentValidation]@{ Outcome = 'Inconclusive'; DecidedBy = 'checkout-p95-eu'; RunId = $runId
                Reason = 'checkout-p95-eu: no data in 2 of 2 evaluations (inconclusive limit 1; NoData=Inconclusive)'; StartTime = $now
                Duration = [timespan]::FromSeconds(450); Timestamp = $now }
            Show = 'Inconclusive', 'checkout-p95-eu', '7m 30s'
        }
        'OpsAutomation.Models.Deployment.GateResult' = @{
            Object = [OpsAutomation.Models.Deployment.GateResult]@{ Gate = 'payments-errors'; Kind = 'Metric'; Outcome = 'Inconclusive'; Passed = 1234; Failed = 1000
                Reason = 'payments-errors: 0.18 > 0.05 in 3 of 5 evaluations (limit 1)'; StartTime = $now; Duration = [timespan]::FromSeconds(150) }
            Show = 'payments-errors', 'Metric', 'Inconclusive', '1234', '1000'
        }
        'OpsAutomation.Models.Deployment.GateEvaluation' = @{
            Object = [OpsAutomation.Models.Deployment.GateEvaluation]@{ Gate = 'checkout-p95-eu'; Kind = 'Metric'; Number = 120; Timestamp = $now
                Query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))'; Value = 0.123457; Threshold = '>= 0.99999'
                Verdict = 'NoData'; Message = 'no data (the query returned no series); counted as Fail (NoData=Fail)' }
            Show = 'checkout-p95-eu', '120', 'NoData', '0.123457', '>= 0.99999'
        }
        'OpsAutomation.Models.Deployment.RolloutResult' = @{
            Object = [OpsAutomation.Models.Deployment.RolloutResult]@{ Name = 'payments-api-eu-west'; Namespace = 'payments-prod'; Status = 'ProgressDeadlineExceeded'
                Revision = 12; Duration = [timespan]::FromSeconds(600); Timestamp = $now
                State = [OpsAutomation.Models.Deployment.RolloutProgress]@{ Name = 'payments-api-eu-west'; Namespace = 'payments-prod'; Desired = 12; Updated = 6; Available = 10
                    Message = 'Waiting for deployment "payments-api-eu-west" rollout to finish: 6 out of 12 new replicas have been updated...' }
                Message = 'deployment "payments-api-eu-west" exceeded its progress deadline' }
            Show = 'payments-api-eu-west', 'payments-prod', 'ProgressDeadlineExceeded', '10/12', '10m'
        }
        'OpsAutomation.Models.Incidents.RunbookRun' = @{
            Object = [OpsAutomation.Models.Incidents.RunbookRun]@{ IncidentId = 'INC-20261207-0003'; Runbook = 'payments-api-crashloop'; Service = 'payments-api'
                Steps = [OpsAutomation.Models.Incidents.RunbookStepResult[]]@(
                    [OpsAutomation.Models.Incidents.RunbookStepResult]@{ Step = 'restart'; Action = 'RestartDeployment'; Target = 'deployment payments-prod/payments-api'
                        Outcome = 'RateLimited'; Message = 'not run'; Timestamp = $now }
                    [OpsAutomation.Models.Incidents.RunbookStepResult]@{ Step = 'rollback'; Action = 'RollbackDeployment'; Target = 'deployment payments-prod/payments-api'
                        Outcome = 'Succeeded'; Message = 'rolled back'; Timestamp = $now })
                Verified = $false; NeedsEscalation = $true; Verification = 'verify: 3 of 3 rounds failed (limit 0); last: payments-api Unhealthy (HTTP 503)'; Timestamp = $now }
            Show = 'INC-20261207-0003', 'payments-api-crashloop', '1 of 2 ok', 'No', 'Yes'
        }
        'OpsAutomation.Models.Incidents.RunbookStepResult' = @{
            Object = [OpsAutomation.Models.Incidents.RunbookStepResult]@{ Step = 'rollback'; Action = 'RollbackDeployment'; Target = 'deployment shop/payments-api'
                Outcome = 'RateLimited'; Message = 'not run: ran 2 times in the last 1h 00m (limit 2)'; Timestamp = $now }
            Show = 'rollback', 'RollbackDeployment', 'RateLimited', 'deployment shop/payments-api'
        }
        'OpsAutomation.Models.Incidents.EscalationResult' = @{
            Object = [OpsAutomation.Models.Incidents.EscalationResult]@{ Id = 'INC-20261207-0003'; Title = 'checkout is Unhealthy'; Service = 'checkout'; State = 'Triggered'
                Policy = 'checkout'; Action = 'Escalated'; LevelBefore = 1; LevelAfter = 2; NextEscalationAt = $now.AddMinutes(30)
                Notified = [string[]]('PagerDuty (events.pagerduty.com): trigger'); Failed = [string[]]('Slack: trigger: Slack answered HTTP 503'); Timestamp = $now }
            Show = 'INC-20261207-0003', 'Escalated', '1->2', 'PagerDuty:trigger', 'Slack'
        }
        'OpsAutomation.Models.Deployment.DeploymentUndoResult' = @{
            Object = [OpsAutomation.Models.Deployment.DeploymentUndoResult]@{ Name = 'payments-api-eu-west'; Namespace = 'payments-prod'; Outcome = 'RolledBack'
                FromRevision = 12; ToRevision = 11; Images = [string[]]@('registry.local:5000/payments-api:1.8.2'); Message = 'rolled back'; Timestamp = $now }
            Show = 'payments-api-eu-west', 'payments-prod', 'RolledBack', '12', '11', 'rolled back'
        }
        'OpsAutomation.Models.Deployment.DeploymentRevision' = @{
            Object = [OpsAutomation.Models.Deployment.DeploymentRevision]@{ Name = 'payments-api'; Namespace = 'payments-prod'; Revision = 11; Current = $true
                ReplicaSet = 'payments-api-7d9f8c6b5'; ChangeCause = 'release 1.8.2'; Images = [string[]]@('payments-api:1.8.2'); Created = $now; Timestamp = $now
                Record = [OpsAutomation.Models.Deployment.DeploymentRecord]@{ Id = $runId; Name = 'payments-api'; Namespace = 'payments-prod'; Strategy = 'Rolling'
                    User = 'ops@build-agent-07'; StartedAt = $now; Outcome = 'Succeeded' } }
            Show = '11', 'payments-api:1.8.2', 'release 1.8.2', 'Succeeded', 'ops@build-agent-07'
        }
        'OpsAutomation.Models.Deployment.DeploymentRecord' = @{
            Object = [OpsAutomation.Models.Deployment.DeploymentRecord]@{ Id = $runId; Name = 'payments-api'; Namespace = 'payments-prod'; Strategy = 'Canary'
                User = 'ops@build-agent-07'; StartedAt = $now; EndedAt = $now.AddMinutes(3); RevisionBefore = 11; RevisionAfter = 12; Outcome = 'RolledBack'
                Reason = 'step 2 (analysis) failed: error-ratio: 0.18 > 0.05 in 1 of 5 evaluations'; Timestamp = $now }
            Show = 'Canary', 'RolledBack', '11->12', 'ops@build-agent-07', 'error-ratio: 0.18 > 0.05'
        }
        'OpsAutomation.Models.Incidents.Incident' = @{
            Object = [OpsAutomation.Models.Incidents.Incident]@{ Id = 'INC-20261207-0042'; Title = 'payments-api-eu-west-1 is Unreachable: connection refused'
                Service = 'payments-api-eu-west-1'; Severity = 'Critical'; State = 'Acknowledged'; Reopened = 2; Fingerprint = 'health:payments-api-eu-west-1'
                DetectedAt = $now; OpenedAt = $now; Timestamp = $now }
            Show = 'INC-20261207-0042', 'Acknowledged (2x)', 'Critical', 'payments-api-eu-west-1', 'payments-api-eu-west-1 is Unreachable'
        }
        'OpsAutomation.Models.Incidents.IncidentMetrics' = @{
            Object = [OpsAutomation.Models.Incidents.IncidentMetrics]@{ Since = $now.AddDays(-30); Until = $now; Service = 'payments-api-eu-west'; Opened = 1234; Resolved = 1200
                Open = 34; OpenBySeverity = & { $bySeverity = [System.Collections.Generic.Dictionary[string, int]]::new(); $bySeverity['Critical'] = 12; $bySeverity }
                MedianTimeToAcknowledge = [timespan]::FromMinutes(4.5); MedianTimeToMitigate = [timespan]::FromMinutes(38); MedianTimeToResolve = [timespan]::FromHours(26.5)
                Timestamp = $now }
            Show = 'payments-api-eu-west', '1234', '1200', '34', '12', '1d 2h'
        }
        'OpsAutomation.Models.Deployment.ManifestApplyResult' = @{
            Object = [OpsAutomation.Models.Deployment.ManifestApplyResult]@{ Kind = 'Deployment'; ApiVersion = 'apps/v1'; Namespace = 'shop-production'; Name = 'payments-api-eu-west-1'
                Outcome = 'Configured'; DryRun = $true; Generation = 1234; ResourceVersion = '987654'; Source = '/srv/builds/2026-12-07/shop/deploy/payments.yaml:12'; FieldManager = 'opsautomation'; Timestamp = $now }
            Show = 'Deployment', 'shop-production', 'payments-api-eu-west-1', 'Configured (dry run)', '1234', 'payments.yaml:12'
        }
        'OpsAutomation.Models.Incidents.IncidentDiagnostics' = @{
            Object = [OpsAutomation.Models.Incidents.IncidentDiagnostics]@{ Path = '/var/lib/ops/diagnostics/diagnostics-INC-20261207-0042-20261207T134512Z.zip'
                IncidentId = 'INC-20261207-0042'; Service = 'payments-api-eu-west'; CollectedAt = $now; Zip = $true; Attached = $true; Timestamp = $now
                Sources = [OpsAutomation.Models.Incidents.DiagnosticSourceResult[]]@(
                    [OpsAutomation.Models.Incidents.DiagnosticSourceResult]@{ Name = 'pod-logs'; Status = 'Succeeded'; Duration = [timespan]::FromSeconds(2) }
                    [OpsAutomation.Models.Incidents.DiagnosticSourceResult]@{ Name = 'events'; Status = 'TimedOut'; Duration = [timespan]::FromSeconds(15) }) }
            Show = 'INC-20261207-0042', 'payments-api-eu-west', 'True', 'diagnostics-INC-20261207'
        }
        'OpsAutomation.Models.Incidents.DiagnosticSourceResult' = @{
            Object = [OpsAutomation.Models.Incidents.DiagnosticSourceResult]@{ Name = 'prometheus-queries'; Status = 'TimedOut'; Duration = [timespan]::FromSeconds(15)
                Bytes = 1048576; Error = 'did not finish within its 15 s time limit' }
            Show = 'prometheus-queries', 'TimedOut', '15s', '1048576', 'did not finish within its 15 s time limit'
        }
        'OpsAutomation.Models.Incidents.IncidentPostmortem' = @{
            Object = [OpsAutomation.Models.Incidents.IncidentPostmortem]@{ IncidentId = 'INC-20261207-0042'; Title = 'payments-api is Unhealthy'; Format = 'Markdown'
                Path = '/home/ops/postmortems/postmortem-INC-20261207-0042.md'; Bytes = 12345; Timestamp = $now }
            Show = 'INC-20261207-0042', 'Markdown', '12345', 'postmortem-INC-20261207-0042.md'
        }
        'OpsAutomation.Models.Reporting.OpsReport' = @{
            Object = [OpsAutomation.Models.Reporting.OpsReport]@{ Title = 'Operations'; Path = '/srv/status/index.html'; Folder = '/srv/status'
                Pages = [string[]] @('deployments.html', 'health.html', 'incidents/INC-20261207-0042.html', 'incidents/INC-20261207-0042.md', 'index.html', 'pipelines.html')
                GeneratedAt = $now; Window = [timespan]::FromHours(24); OverallHealth = 'Degraded'; Services = 14; OpenIncidents = 1; Incidents = 1
                Deployments = 10; PipelineRuns = 23 }
            Show = 'Degraded', '14', '23', '6', '/srv/status/index.html'
        }
    }
}

Describe 'The <Name> view' -ForEach $Views {
    BeforeAll {
        $sample = $Samples[$TypeName]
        $text = if ($sample) { $sample.Object | Format-Table | Out-String -Width 120 }
        $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
        # The header is the line above the dashes (a grouped view has its group line first).
        $header = $lines[[Math]::Max(0, [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^\s*-{2,}' }) - 1)]
    }

    It 'has a realistic sample in this test' {
        $sample | Should -Not -BeNullOrEmpty -Because "add a sample of $TypeName to Views.Tests.ps1"
    }

    It 'fits in 120 columns' {
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 -Because "'$line' is too long" }
    }

    It 'shows every column' {
        foreach ($label in $Labels) { $header | Should -Match ([regex]::Escape($label)) -Because "the header '$header' lacks $label" }
    }

    It 'shows the values a person scans in full' {
        foreach ($value in $sample.Show) { $text | Should -Match ([regex]::Escape($value)) -Because "$value is cut or missing in:`n$text" }
    }
}
