# A stand-in for Microsoft.PowerShell.SecretManagement, which cannot be installed on the test
# machines: Get-Secret as the real module has it (-Name, -Vault, -AsPlainText; a SecureString
# unless the secret was stored as a string; an error when the secret is not found), over secrets
# kept in this module's memory by Set-TestSecret.

$script:Vaults = @{}

function Set-TestSecret {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [object] $Secret,
        [string] $Vault = 'TestVault'
    )
    if (-not $script:Vaults.ContainsKey($Vault)) { $script:Vaults[$Vault] = @{} }
    $script:Vaults[$Vault][$Name] = $Secret
}

function Get-Secret {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [string] $Vault,
        [switch] $AsPlainText
    )
    $vaults = if ($Vault) { @($Vault) } else { @($script:Vaults.Keys | Sort-Object) }
    foreach ($v in $vaults) {
        if ($script:Vaults.ContainsKey($v) -and $script:Vaults[$v].ContainsKey($Name)) {
            $secret = $script:Vaults[$v][$Name]
            if ($AsPlainText -and $secret -is [securestring]) { return [System.Net.NetworkCredential]::new('', $secret).Password }
            return $secret
        }
    }
    Write-Error -Message "The secret $Name was not found." -Category ObjectNotFound -ErrorId 'GetSecretNotFound'
}

Export-ModuleMember -Function Get-Secret, Set-TestSecret
