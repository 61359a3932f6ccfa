using OpsAutomation.Core;

namespace OpsAutomation;

/// <summary>
/// Holds the one <see cref="OpsRuntime"/> of the process, created on first use and disposed
/// when the module is removed. It is the engine's only root: every runspace shares its
/// connection pools, pipelines and metric registry, all of them thread-safe.
/// </summary>
internal static class ModuleRuntime
{
    private static readonly object Gate = new();
    private static OpsRuntime? _runtime;

    public static OpsRuntime Get()
    {
        lock (Gate) return _runtime ??= new OpsRuntime([new PowerShellDataFormat()]);
    }

    public static void Release()
    {
        lock (Gate)
        {
            _runtime?.Dispose();
            _runtime = null;
        }
    }
}
