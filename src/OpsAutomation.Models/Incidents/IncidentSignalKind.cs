namespace OpsAutomation.Models.Incidents;

/// <summary>What raised a signal: the object another cmdlet emitted, or a person.</summary>
public enum IncidentSignalKind
{
    /// <summary>A health check result (Test-ServiceHealth).</summary>
    Health,

    /// <summary>A health alert (Send-HealthAlert, Watch-ServiceHealth).</summary>
    HealthAlert,

    /// <summary>An alerting rule's alert (Invoke-PrometheusRule).</summary>
    RuleAlert,

    /// <summary>A deployment run (Invoke-Deployment).</summary>
    Deployment,

    /// <summary>A data pipeline run (Start-DataPipeline).</summary>
    Pipeline,

    /// <summary>A metric anomaly (Find-MetricAnomaly).</summary>
    Anomaly,

    /// <summary>Opened by a person with New-Incident -Title.</summary>
    Manual,
}
