using System.Runtime.Versioning;
using OpsAutomation.Core.Metrics.Machine;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

[SupportedOSPlatform("linux")]
public sealed class LinuxSystemMetricsSourceTests
{
    [Fact]
    public async Task Reads_a_captured_proc_tree_and_keeps_only_the_real_filesystems()
    {
        var source = new LinuxSystemMetricsSource(Path.Combine(AppContext.BaseDirectory, "Metrics", "Machine", "Fixtures"));

        var snapshot = await source.ReadAsync(CancellationToken.None);

        Assert.Equal(2, snapshot.Cores.Count);
        Assert.Equal(24683656L * 1024, snapshot.Memory.Total);
        Assert.Equal(new LoadAverages(7.40, 3.96, 2.73), snapshot.Load);
        Assert.Equal(4, snapshot.Network.Count);
        // Of the 19 captured mounts only / is real: proc, sysfs, cgroups and everything under /dev are left out.
        var root = Assert.Single(snapshot.Filesystems);
        Assert.Equal(("/dev/vda", "/", "ext4", "vda"), (root.Device, root.MountPoint, root.FileSystemType, root.IoDevice));
        Assert.True(root.Size > 0 && root.Available <= root.Free && root.Free <= root.Size);
        Assert.Equal(0, snapshot.ProcessCount);
    }
}
