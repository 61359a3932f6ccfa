namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>A kind as the server's discovery serves it: where its objects live and whether they are namespaced.</summary>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
}
