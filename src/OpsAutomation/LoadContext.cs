using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace OpsAutomation;

/// <summary>
/// Loads OpsAutomation.Core and every NuGet dependency from Dependencies/ into a private
/// AssemblyLoadContext, so another module's older YamlDotNet or Polly in the same session
/// cannot break ours, nor ours theirs. Only OpsAutomation.dll and OpsAutomation.Models.dll
/// live in the default context, because PowerShell must see their types.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _directory;

    public DependencyLoadContext(string directory)
        : base("OpsAutomation.Dependencies", isCollectible: false)
    {
        _directory = directory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Models is shared with PowerShell: resolving it here would create a second, incompatible copy.
        if (assemblyName.Name is null || assemblyName.Name == "OpsAutomation.Models") return null;
        var path = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var rid in RuntimeIdentifiers())
        {
            foreach (var file in NativeFileNames(unmanagedDllName))
            {
                var path = Path.Combine(_directory, "runtimes", rid, "native", file);
                if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
            }
        }
        return IntPtr.Zero;
    }

    private static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsWindows()) return [$"win-{arch}"];
        if (OperatingSystem.IsMacOS()) return [$"osx-{arch}", "osx"];
        return File.Exists("/etc/alpine-release") ? [$"linux-musl-{arch}", $"linux-{arch}"] : [$"linux-{arch}"];
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows()) yield return name + ".dll";
        else if (OperatingSystem.IsMacOS()) { yield return $"lib{name}.dylib"; yield return name + ".dylib"; }
        else { yield return $"lib{name}.so"; yield return name + ".so"; }
    }
}

/// <summary>Hooks the private load context on import and lets the runtime go on removal.</summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleLifecycle).Assembly.Location)!, "Dependencies");

    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependencyDirectory));

    private static readonly object Gate = new();
    private static int _imports;

    public void OnImport()
    {
        lock (Gate)
        {
            if (_imports++ == 0) AssemblyLoadContext.Default.Resolving += ResolveCore;
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (--_imports > 0) return;
            _imports = 0;
            AssemblyLoadContext.Default.Resolving -= ResolveCore;
        }
        ModuleRuntime.Release();
    }

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "OpsAutomation.Core" ? Context.Value.LoadFromAssemblyName(name) : null;
}
