using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Records from objects handed over in memory, such as the PowerShell pipeline's input after the
/// cmdlet has turned each PSObject into a dictionary. Positions follow arrival order; objects with
/// different keys get different shapes (see <see cref="RecordShapeCache"/>); a null object, or one
/// with an empty key, is a <see cref="SourceProblem"/>. The items can be
/// enumerated once, so this source reads once.
/// </summary>
public sealed class EnumerableRecordSource : IRecordSource
{
    private readonly IAsyncEnumerable<IReadOnlyDictionary<string, object?>?> _items;
    private int _read;

    /// <param name="items">The objects, in order.</param>
    /// <param name="name">The dataset name, such as the command that produced the objects. Default <c>pipeline</c>.</param>
    public EnumerableRecordSource(IAsyncEnumerable<IReadOnlyDictionary<string, object?>?> items, string name = "pipeline")
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _items = items;
        DatasetName = name;
    }

    /// <summary>Reads what the writer puts in <paramref name="channel"/> until it completes the channel.</summary>
    public EnumerableRecordSource(ChannelReader<IReadOnlyDictionary<string, object?>?> channel, string name = "pipeline")
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).ReadAllAsync(), name)
    {
    }

    public string Name => DatasetNamespace + ":" + DatasetName;

    /// <summary>OpenLineage has no convention for in-memory input; the namespace says where it came from.</summary>
    public string DatasetNamespace => "powershell";

    public string DatasetName { get; }

    public async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        if (Interlocked.Exchange(ref _read, 1) != 0)
            throw new InvalidOperationException($"The objects of {Name} can be read only once.");
        var shapes = new RecordShapeCache();
        var position = 0L;
        await foreach (var item in _items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            position++;
            if (position <= skip) continue;
            yield return ToItem(shapes, item, position);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private SourceItem ToItem(RecordShapeCache shapes, IReadOnlyDictionary<string, object?>? item, long position)
    {
        var location = string.Create(CultureInfo.InvariantCulture, $"{DatasetName} object {position}");
        if (item is null) return new SourceProblem(position, location, $"object {position} is null.", null);
        if (FindUnreadable(item, "") is { } unreadable)
        {
            return new SourceProblem(position, $"{location}, property '{unreadable.Field}'",
                $"property '{unreadable.Field}' of object {position} could not be read: {unreadable.Value.Reason}",
                string.Join(", ", item.Where(p => p.Value is not UnreadableValue).Select(p => $"{p.Key}={p.Value}")));
        }
        var names = new string[item.Count];
        var values = new object?[item.Count];
        var i = 0;
        foreach (var (key, value) in item)
        {
            names[i] = key;
            values[i++] = value;
        }
        try
        {
            var shape = shapes.Last is { } last && last.Names.SequenceEqual(names, StringComparer.Ordinal) ? shapes.Reuse(last) : shapes.Get(names);
            return new DataRecord(shape, values, position, location);
        }
        catch (ArgumentException e)
        {
            return new SourceProblem(position, location, $"object {position} cannot be a record: {e.Message.Split(" (Parameter")[0]}",
                string.Join(", ", item.Select(p => $"{p.Key}={p.Value}")));
        }
    }

    /// <summary>The first field, at any depth of nested maps, that could not be read.</summary>
    private static (string Field, UnreadableValue Value)? FindUnreadable(IEnumerable<KeyValuePair<string, object?>> fields, string prefix)
    {
        foreach (var (key, value) in fields)
        {
            switch (value)
            {
                case UnreadableValue unreadable:
                    return (prefix + key, unreadable);
                case IEnumerable<KeyValuePair<string, object?>> nested when FindUnreadable(nested, $"{prefix}{key}.") is { } inner:
                    return inner;
            }
        }
        return null;
    }
}
