using OpsAutomation.Core.Metrics.Machine;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

public sealed class FilesystemFilterTests
{
    [Theory]
    [InlineData("/", "ext4", true)]
    [InlineData("/home", "xfs", true)]
    [InlineData("/boot/efi", "vfat", true)]
    [InlineData("/tmp", "tmpfs", true)]
    [InlineData("/var/lib/docker", "ext4", true)]
    [InlineData("/var/lib/docker/overlay2/abc/merged", "ext4", false)]
    [InlineData("/proc", "proc", false)]
    [InlineData("/sys/fs/cgroup/memory", "cgroup", false)]
    [InlineData("/dev/shm", "tmpfs", false)]
    [InlineData("/run/user/1000", "tmpfs", false)]
    [InlineData("/mnt/backup", "ext4", false)]
    [InlineData("/devices", "ext4", true)]
    [InlineData("/data", "overlay", false)]
    [InlineData("/snap/core/1", "squashfs", false)]
    [InlineData("/cdrom", "iso9660", false)]
    public void Keeps_what_node_exporter_keeps_by_default(string mountPoint, string type, bool included) =>
        Assert.Equal(included, FilesystemFilter.IsIncluded(mountPoint, type));
}
