using System.Runtime.InteropServices;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>The <see cref="ISystemMetricsSource"/> of the running platform.</summary>
public static class SystemMetricsSources
{
    /// <summary>The source for this operating system; PlatformNotSupportedException on one without (macOS).</summary>
    public static ISystemMetricsSource ForCurrentPlatform()
    {
        if (OperatingSystem.IsLinux()) return new LinuxSystemMetricsSource();
        if (OperatingSystem.IsWindows()) return new WindowsSystemMetricsSource();
        throw new PlatformNotSupportedException($"System metrics are read on Linux and Windows only, not on {RuntimeInformation.OSDescription}.");
    }
}
