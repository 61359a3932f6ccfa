using System.Management.Automation;
using System.Net;
using System.Security;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation;

/// <summary>
/// secret: references through PowerShell SecretManagement: Get-Secret of the session, when that
/// module is loaded (or can be auto-loaded). Runs on the pipeline thread only.
/// </summary>
internal static class SecretManagement
{
    private static readonly ScriptBlock Lookup = ScriptBlock.Create(
        "param($command, $name, $vault) if ($vault) { & $command -Name $name -Vault $vault -ErrorAction Stop } else { & $command -Name $name -ErrorAction Stop }");

    /// <summary>The secret as text; a missing module, secret or vault is a <see cref="SecretStoreException"/> that names no value.</summary>
    public static string GetSecret(PSCmdlet cmdlet, string name, string? vault)
    {
        var command = cmdlet.InvokeCommand.GetCommand("Get-Secret", CommandTypes.Cmdlet | CommandTypes.Function)
            ?? throw new SecretStoreException(SecretStoreException.NotInstalled);
        System.Collections.ObjectModel.Collection<PSObject> output;
        try
        {
            output = cmdlet.InvokeCommand.InvokeScript(useLocalScope: true, Lookup, input: null, command, name, vault);
        }
        catch (RuntimeException ex)
        {
            // -ErrorAction Stop wraps Get-Secret's own error; its message is the reason.
            throw new SecretStoreException($"Get-Secret failed: {ex.ErrorRecord.Exception.Message}", ex);
        }
        return output.Count switch
        {
            0 => throw new SecretStoreException("Get-Secret returned nothing"),
            1 => Text(output[0].BaseObject),
            _ => throw new SecretStoreException($"Get-Secret returned {output.Count} secrets; name one"),
        };
    }

    private static string Text(object secret) => secret switch
    {
        SecureString secure => new NetworkCredential("", secure).Password,
        string text => text,
        PSCredential credential => credential.GetNetworkCredential().Password,
        _ => throw new SecretStoreException($"the secret is a {secret.GetType().Name}; a reference needs a String, SecureString or PSCredential secret"),
    };
}
