namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// A source that cannot be read on: a missing file, an unterminated quote at the end of the input,
/// a JSON document that is not an array, an unreachable database. The message starts with
/// <see cref="Location"/> (such as <c>orders.csv:3:14</c>) and never holds a password.
/// </summary>
public sealed class DataSourceException : Exception
{
    public DataSourceException(string sourceName, string location, string message, Exception? inner = null, bool isTransient = false)
        : base($"{location}: {message}", inner)
    {
        SourceName = sourceName;
        Location = location;
        IsTransient = isTransient;
    }

    /// <summary>The <see cref="IRecordSource.Name"/> of the source.</summary>
    public string SourceName { get; }

    /// <summary>File, line and column, or host and port, of the failure.</summary>
    public string Location { get; }

    /// <summary>True when trying again may succeed (a dropped connection, a timeout).</summary>
    public bool IsTransient { get; }
}
