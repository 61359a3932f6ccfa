using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Alerting;

/// <summary>When a health alert fires and resolves: thresholds over consecutive results, so one blip never pages.</summary>
public sealed record HealthAlertOptions
{
    public static readonly IReadOnlyList<string> Keys = ["FailureThreshold", "SuccessThreshold", "SendResolved", "Channels"];

    /// <summary>Consecutive failed checks (Unhealthy, Unreachable, CircuitOpen) before the alert fires. Default 3.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>Consecutive good checks (Healthy, Degraded) before a firing alert resolves. Default 2.</summary>
    public int SuccessThreshold { get; init; } = 2;

    /// <summary>Notify when an alert resolves. Default true.</summary>
    public bool SendResolved { get; init; } = true;

    /// <summary>Reads the thresholds of an Alerting map; the Channels key is read by <see cref="Notifications.NotificationChannels"/>.</summary>
    public static HealthAlertOptions From(ConfigurationMap? map, HealthAlertOptions? defaults = null)
    {
        defaults ??= new HealthAlertOptions();
        if (map is null) return defaults;
        map.RejectUnknownKeys(Keys);
        return new HealthAlertOptions
        {
            FailureThreshold = map.GetInt("FailureThreshold", 1, 1000) ?? defaults.FailureThreshold,
            SuccessThreshold = map.GetInt("SuccessThreshold", 1, 1000) ?? defaults.SuccessThreshold,
            SendResolved = map.GetBool("SendResolved") ?? defaults.SendResolved,
        };
    }
}
