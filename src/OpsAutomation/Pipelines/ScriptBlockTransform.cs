using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Transforms;

namespace OpsAutomation.Pipelines;

/// <summary>
/// A PowerShell scriptblock as a transform: $_ is the record as a PSCustomObject; it returns the
/// new record (an object or hashtable), nothing to filter the record out, or throws to reject it.
/// Workers run it in parallel, each on a runspace of its own (a scriptblock may only run on one
/// thread at a time), so it sees none of the caller's variables: pass values with $using-free
/// literals or put them in the record. It costs far more per record than a declarative transform.
/// </summary>
internal sealed class ScriptBlockTransform : IRecordTransform, IDisposable
{
    private readonly string _text;
    private readonly ConcurrentBag<Runspace> _runspaces = [];
    private readonly ThreadLocal<(Runspace Runspace, ScriptBlock Block)?> _perThread = new();
    private readonly ConcurrentDictionary<string, RecordShape> _shapes = new(StringComparer.Ordinal);

    public ScriptBlockTransform(ScriptBlock script, int index)
    {
        _text = script.ToString();
        Name = $"scriptblock {index}";
    }

    public string Name { get; }

    public DataRecord? Apply(DataRecord record)
    {
        var (runspace, block) = _perThread.Value ??= Create();
        var previous = Runspace.DefaultRunspace;
        Runspace.DefaultRunspace = runspace;
        try
        {
            var output = block.InvokeWithContext(null, [new PSVariable("_", PSRecords.ToPSObject(record))]);
            var result = output.Count switch
            {
                0 => null,
                1 => output[0],
                _ => throw new InvalidOperationException($"it returned {output.Count} objects for one record; return one, or nothing to drop the record"),
            };
            if (result?.BaseObject is null) return null;
            var fields = PSRecords.ToFields(result) ?? throw new InvalidOperationException("it returned null");
            return record.With(Shape(fields.Keys), [.. fields.Values]);
        }
        catch (RuntimeException ex)
        {
            throw new InvalidOperationException(ex.ErrorRecord?.ToString() ?? ex.Message, ex);
        }
        finally
        {
            Runspace.DefaultRunspace = previous;
        }
    }

    // Records of one shape share one RecordShape, so sinks map their columns once (bounded: a script that invents field names per record gets fresh shapes).
    private RecordShape Shape(IEnumerable<string> names)
    {
        var list = names as IReadOnlyList<string> ?? [.. names];
        var key = string.Join('\u0000', list);
        if (_shapes.TryGetValue(key, out var shape)) return shape;
        shape = new RecordShape(list);
        if (_shapes.Count < 1024) _shapes.TryAdd(key, shape);
        return shape;
    }

    private (Runspace, ScriptBlock) Create()
    {
        var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        _runspaces.Add(runspace);
        var previous = Runspace.DefaultRunspace;
        Runspace.DefaultRunspace = runspace;
        try
        {
            // Created on the runspace that runs it: a scriptblock is bound to the runspace it was made in.
            return (runspace, ScriptBlock.Create(_text));
        }
        finally
        {
            Runspace.DefaultRunspace = previous;
        }
    }

    public void Dispose()
    {
        foreach (var runspace in _runspaces) runspace.Dispose();
        _perThread.Dispose();
    }
}
