using System.Text;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Hosting;

/// <summary>
/// Writes the kubeconfig of a running sandbox: one cluster (its URL and CA), the administrator and the
/// read-only viewer as users, and the contexts "sandbox" (current) and "sandbox-readonly".
/// </summary>
public static class Kubeconfig
{
    public const string Context = "sandbox";
    public const string ReadOnlyContext = "sandbox-readonly";

    public static void Write(string path, Uri server, string caPem, SandboxUser admin, SandboxUser viewer)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(viewer);
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {Context}
              cluster:
                server: {server.ToString().TrimEnd('/')}
                certificate-authority-data: {ca}
            users:
            - name: {admin.Name}
              user:
                token: {admin.Token}
            - name: {viewer.Name}
              user:
                token: {viewer.Token}
            contexts:
            - name: {Context}
              context:
                cluster: {Context}
                user: {admin.Name}
                namespace: default
            - name: {ReadOnlyContext}
              context:
                cluster: {Context}
                user: {viewer.Name}
                namespace: default
            current-context: {Context}

            """;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        // The file holds tokens: readable by its owner only, from the moment it exists.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        stream.Write(new UTF8Encoding(false).GetBytes(yaml));
    }
}
