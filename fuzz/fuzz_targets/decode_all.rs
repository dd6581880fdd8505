// Shared by the two decoder targets: the input's first byte picks a method, the rest is its
// answer. Every method of both APIs is listed, so that every generated type is reached.

use intellectmoney::{payout, personal};

/// Decodes one answer; the error is formatted as the client would show it.
type Decoder = fn(&str) -> Option<String>;

/// The decoder `$f::<R>` of every method `R` (the deprecated Payout methods included).
macro_rules! every_method {
    ($f:ident) => {
        [
            $f::<personal::GetUserToken> as Decoder,
            $f::<personal::GetInvoicesHistory>,
            $f::<personal::GetPaymentsHistory>,
            $f::<personal::SetScheduledOperationData>,
            $f::<personal::GetScheduledOperationData>,
            $f::<personal::GetEshopInfo>,
            $f::<personal::GetInvoiceInfo>,
            $f::<personal::CreateReceipt>,
            $f::<personal::GetReceipt>,
            $f::<personal::CreateReceiptCorrection>,
            $f::<personal::WithdrawMoney>,
            $f::<personal::GetTransactionData>,
            $f::<personal::GetAccountData>,
            $f::<payout::CreateOperation>,
            $f::<payout::CreateOperationByProviderType>,
            $f::<payout::CreateBankCardRussiaOperation>,
            $f::<payout::CreateQiwiWalletOperation>,
            $f::<payout::ExecuteOperation>,
            $f::<payout::GetOperationState>,
            $f::<payout::DeleteOperation>,
        ]
    };
}
