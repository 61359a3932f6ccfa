namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>How to read JSON Lines and JSON array files (UTF-8, as RFC 8259 requires).</summary>
public sealed class JsonSourceOptions
{
    /// <summary>Bytes read from the file at a time. Default 64 KiB; at least 1.</summary>
    public int BufferSize { get; init; } = 64 * 1024;

    /// <summary>The longest record (a line, an array element) in bytes before the file is refused. Default 16 MiB.</summary>
    public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The deepest nesting of objects and arrays accepted. Default 64.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>The options given, or the defaults, checked.</summary>
    internal static JsonSourceOptions Checked(JsonSourceOptions? options)
    {
        options ??= new JsonSourceOptions();
        options.Validate();
        return options;
    }

    internal void Validate()
    {
        if (BufferSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BufferSize), BufferSize, "BufferSize must be at least 1.");
        if (MaxRecordBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxRecordBytes), MaxRecordBytes, "MaxRecordBytes must be at least 1.");
        if (MaxDepth < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "MaxDepth must be at least 1.");
    }
}
