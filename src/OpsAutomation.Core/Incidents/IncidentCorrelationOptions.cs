namespace OpsAutomation.Core.Incidents;

/// <summary>How signals become incidents: the windows of correlation and the rules of the lifecycle.</summary>
public sealed record IncidentCorrelationOptions
{
    /// <summary>Consecutive runs with every signal of an incident clear after which it resolves itself (1 to 1000). Default 3.</summary>
    public int ClearRunsToResolve { get; init; } = 3;

    /// <summary>A fingerprint firing again this long after its incident resolved reopens it instead of opening another (0 turns reopening off). Default 1 hour.</summary>
    public TimeSpan ReopenWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A signal of a service that depends on another joins the other's open incident when that one was
    /// opened at most this long ago (0 turns dependency correlation off). Default 10 minutes.
    /// </summary>
    public TimeSpan CorrelationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Deployments of the service started at most this long before an incident opened are named as suspects (0 turns it off). Default 30 minutes.</summary>
    public TimeSpan SuspectWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The catalog's DependsOn: service name to the services it needs (case-insensitive names). Default none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Dependencies { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Who the timeline names for what the correlator does. Default "New-Incident".</summary>
    public string Actor { get; init; } = "New-Incident";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (ClearRunsToResolve is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(ClearRunsToResolve), ClearRunsToResolve, "ClearRunsToResolve must be between 1 and 1000.");
        Check(ReopenWindow, nameof(ReopenWindow));
        Check(CorrelationWindow, nameof(CorrelationWindow));
        Check(SuspectWindow, nameof(SuspectWindow));
        ArgumentException.ThrowIfNullOrWhiteSpace(Actor, nameof(Actor));

        static void Check(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromDays(365))
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be between 0 and 365 days.");
        }
    }
}

/// <summary>What a correlation run did to an incident.</summary>
public enum IncidentAction
{
    /// <summary>Opened by this run's signals.</summary>
    Opened,

    /// <summary>Signals joined it (it was open, or a dependency's signal joined it).</summary>
    Joined,

    /// <summary>It had resolved and a fingerprint fired again within the reopen window.</summary>
    Reopened,

    /// <summary>Its signals were clear for the configured number of runs.</summary>
    Resolved,
}

/// <summary>An incident a correlation run touched, as stored afterwards, and what the run did to it.</summary>
public sealed record IncidentOutcome(Models.Incidents.Incident Incident, IncidentAction Action);
