namespace OpsAutomation.Core.Configuration;

/// <summary>Configuration that cannot be used: the message names the value and where it came from.</summary>
public class ConfigurationException : Exception
{
    public ConfigurationException(string message, string origin, string? key = null, int? line = null, Exception? inner = null)
        : base(Compose(message, origin, key, line), inner)
    {
        Origin = origin;
        Key = key;
        Line = line;
    }

    /// <summary>The file, environment variable or parameter the bad value came from.</summary>
    public string Origin { get; }

    /// <summary>The offending key path (such as <c>Services[2].TimeoutSec</c>), when known.</summary>
    public string? Key { get; }

    /// <summary>The 1-based line in <see cref="Origin"/>, when known.</summary>
    public int? Line { get; }

    private static string Compose(string message, string origin, string? key, int? line)
    {
        var where = origin;
        if (line is { } l) where += $", line {l}";
        if (key is not null) where += $", key '{key}'";
        return $"{where}: {message}";
    }
}

/// <summary>A secret reference that does not resolve: the variable is unset or the file unreadable.</summary>
public sealed class SecretReferenceException : ConfigurationException
{
    public SecretReferenceException(string message, string origin)
        : base(message, origin)
    {
    }
}

/// <summary>A configuration file (catalog, pipeline spec) that is not there: a missing file, not a bad one.</summary>
public sealed class ConfigurationFileNotFoundException : ConfigurationException
{
    public ConfigurationFileNotFoundException(string path, Exception inner)
        : base($"the file does not exist ({inner.Message})", path, inner: inner)
    {
    }
}
