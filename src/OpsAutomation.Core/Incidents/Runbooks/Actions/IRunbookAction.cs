using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>
/// A built-in runbook action: the argument keys it takes, its default rate limit, and how it binds
/// its arguments into a plan (what it will do to which target), at read time to find mistakes and
/// at run time with the incident's values.
/// </summary>
public interface IRunbookAction
{
    /// <summary>Its name in runbook files, such as RestartDeployment.</summary>
    string Name { get; }

    /// <summary>The argument keys it knows; any other is an error.</summary>
    IReadOnlyList<string> Keys { get; }

    /// <summary>How often it may run on one target unless the runbook says otherwise.</summary>
    RunbookRateLimit DefaultRateLimit { get; }

    /// <summary>Binds <paramref name="arguments"/>; a bad or missing argument is a <see cref="ConfigurationException"/> naming the key.</summary>
    RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding);
}

/// <summary>What an action will do to which target, ready to run.</summary>
public abstract class RunbookActionPlan
{
    /// <summary>What it acts on, for people and for the rate limit's key: <c>deployment shop/web</c>.</summary>
    public abstract string Target { get; }

    /// <summary>What it does, after "would" or as a confirmation's action: <c>restart (rollout restart)</c>.</summary>
    public abstract string Description { get; }

    /// <summary>True when it needs approval in a non-interactive run.</summary>
    public abstract bool HighImpact { get; }

    /// <summary>Does it; returns one line saying what was done. A failure throws (a <see cref="RunbookActionException"/> or the client's own).</summary>
    public abstract Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken);
}

/// <summary>An action that ran and failed; the message says what happened.</summary>
public sealed class RunbookActionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What binding an action's arguments needs: the file (for errors and relative paths), the
/// incident's values for <c>${Name}</c> placeholders, and the run's default namespace.
/// </summary>
public sealed class RunbookBinding
{
    private readonly Func<string, string?> _variables;

    /// <param name="variables">The value of a placeholder name (Service, IncidentId, Severity, Fingerprint, Namespace), else null to try the environment.</param>
    public RunbookBinding(string baseDirectory, string defaultNamespace, Func<string, string?> variables, Func<string, string?>? environment = null)
    {
        BaseDirectory = baseDirectory;
        DefaultNamespace = defaultNamespace;
        var env = environment ?? Environment.GetEnvironmentVariable;
        _variables = name => variables(name) ?? env(name);
    }

    /// <summary>Where relative paths in the file start: the file's folder.</summary>
    public string BaseDirectory { get; }

    /// <summary>The namespace of a Kubernetes action that names none.</summary>
    public string DefaultNamespace { get; }

    /// <summary>A string argument with its placeholders expanded; null when absent.</summary>
    public string? Text(ConfigurationMap map, string key) =>
        map.GetString(key) is { } value ? VariableExpander.Expand(value, $"{map.Origin}, key '{map.KeyPath(key)}'", _variables) : null;

    /// <summary>A required string argument with its placeholders expanded.</summary>
    public string RequiredString(ConfigurationMap map, string key)
    {
        var value = Text(map, key);
        return string.IsNullOrWhiteSpace(value) ? throw map.Error("is required and must not be empty", key) : value.Trim();
    }

    /// <summary>A path argument, full, relative to the file's folder.</summary>
    public string? FullPath(ConfigurationMap map, string key) => Text(map, key) is { Length: > 0 } path ? Path.GetFullPath(path, BaseDirectory) : null;
}
