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

/// <summary>
/// Hooks the private load context on the first import, for the life of the process, and lets the module's runtime
/// (state stores, listeners) go on removal. The hook stays: OpsAutomation.dll cannot be unloaded from the default
/// context, and `Import-Module -Force` removes the module after importing it again without a second OnImport, so a
/// hook removed on removal would leave the re-imported module unable to load OpsAutomation.Core.
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleLifecycle).Assembly.Location)!, "Dependencies");

    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependencyDirectory));

    private static readonly object Gate = new();
    private static bool _hooked;
    private static int _imports;

    public void OnImport()
    {
        lock (Gate)
        {
            if (!_hooked) AssemblyLoadContext.Default.Resolving += ResolveCore;
            _hooked = true;
            _imports++;
        }
    }

    /// <summary>The runtime is shared by every runspace that imported the module: the last removal releases it.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (--_imports > 0) return;
            _imports = 0;
        }
        ModuleRuntime.Release();
    }

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "OpsAutomation.Core" ? Context.Value.LoadFromAssemblyName(name) : null;
}
