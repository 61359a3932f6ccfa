using System.Globalization;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// What the file sources share: the dataset named the OpenLineage way (namespace <c>file</c>, the
/// absolute path), locations that name the file as the user gave it, and open and read failures as
/// <see cref="DataSourceException"/>.
/// </summary>
public abstract class FileRecordSource : IRecordSource
{
    private readonly Func<Stream> _open;

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    protected FileRecordSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Display = path;
        DatasetName = Path.GetFullPath(path);
        _open = () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
    }

    /// <summary>Reads the stream <paramref name="open"/> returns, once per read; <paramref name="display"/> names it.</summary>
    protected FileRecordSource(Func<Stream> open, string display)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentException.ThrowIfNullOrEmpty(display);
        Display = display;
        DatasetName = display;
        _open = open;
    }

    public string Name => "file://" + DatasetName;

    public string DatasetNamespace => "file";

    public string DatasetName { get; }

    /// <summary>The file as the user named it, the start of every location.</summary>
    protected string Display { get; }

    public abstract IAsyncEnumerable<SourceItem> ReadAsync(long skip, CancellationToken cancellationToken);

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    protected Stream OpenStream()
    {
        try
        {
            return _open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException(Name, Display, $"cannot open the file: {e.Message}", e);
        }
    }

    protected DataSourceException ReadFailure(IOException e) =>
        new(Name, Display, $"cannot read the file: {e.Message}", e, isTransient: true);

    protected string Where(long line) => string.Create(CultureInfo.InvariantCulture, $"{Display}:{line}");

    protected string Where(long line, long column) => string.Create(CultureInfo.InvariantCulture, $"{Display}:{line}:{column}");
}
