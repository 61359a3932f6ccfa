using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>What to wait for and how long (Wait-DeploymentRollout, and the deployment flow after an apply or undo).</summary>
public sealed record RolloutWaitOptions
{
    /// <summary>The Deployment's name. Required.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace. Required.</summary>
    public required string Namespace { get; init; }

    /// <summary>The revision to wait for; 0 (the default) follows the latest, a later revision is RevisionChanged (kubectl's --revision).</summary>
    public long Revision { get; init; }

    /// <summary>The caller's limit; null (the default) waits until the rollout ends, which the Deployment's progress deadline bounds.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Whether a failing pod of the new ReplicaSet ends the wait at once (PodFailed); default true.</summary>
    public bool FailFast { get; init; } = true;

    /// <summary>How many of a failing container's last log lines to read; default 20, 0 reads none.</summary>
    public int LogLines { get; init; } = 20;

    /// <summary>The most log bytes read; default 16 KiB. Each line is cut at <see cref="MaxLogLineLength"/> characters too.</summary>
    public int LogBytes { get; init; } = 16 * 1024;

    public const int MaxLogLineLength = 1000;

    /// <summary>The server-side limit of one watch request before it is started again; default 5 minutes.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Told each new state of the rollout (updated, ready, available, desired), for Write-Progress.</summary>
    public IProgress<RolloutProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("A Deployment name is needed.", nameof(Name));
        if (string.IsNullOrWhiteSpace(Namespace)) throw new ArgumentException("A namespace is needed.", nameof(Namespace));
        if (Revision < 0) throw new ArgumentOutOfRangeException(nameof(Revision), Revision, "The revision is 0 (the latest) or more.");
        if (Timeout is { } timeout && timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), timeout, "The timeout must be positive.");
        if (LogLines < 0) throw new ArgumentOutOfRangeException(nameof(LogLines), LogLines, "LogLines is 0 or more.");
        if (LogBytes < 1) throw new ArgumentOutOfRangeException(nameof(LogBytes), LogBytes, "LogBytes is 1 or more.");
        if (WatchTimeout < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(WatchTimeout), WatchTimeout, "WatchTimeout is at least 1 second.");
    }
}
