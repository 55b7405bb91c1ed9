#!/usr/bin/perl -w
# Times public-inbox's own Xapian search in-process, for `cargo bench --bench
# putt`: one query per stdin line; prints the hit estimate and then the
# seconds of each run (after 3 warm-up runs) on one line. Each run fetches
# the 20 newest hits with their overview rows, as putt's search does.
use strict;
use PublicInbox::Inbox;
use Time::HiRes qw(time);
my ($dir, $runs) = @ARGV;
my $ibx = PublicInbox::Inbox->new({ inboxdir => $dir, name => 'bench',
	address => [ 'bench@example.invalid' ] });
my $srch = $ibx->search or die "no Xapian index in $dir\n";
$| = 1;
while (my $q = <STDIN>) {
	chomp $q;
	my (@t, $est);
	for my $i (1 .. $runs + 3) {
		my $t0 = time;
		my $mset = $srch->mset($q, { limit => 20, relevance => 0 });
		my ($n, $msgs) = $srch->mset_to_smsg($ibx, $mset);
		push @t, time - $t0 if $i > 3;
		$est = $n;
	}
	print join(' ', $est, map { sprintf('%.6f', $_) } @t), "\n";
}
